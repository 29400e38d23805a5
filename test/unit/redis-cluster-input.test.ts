/**
 * Redis Cluster input and plan: bad cluster settings, a cluster fault without a cluster, a
 * single-Redis fault on a cluster and a provider that cannot run one are refused before
 * anything starts, naming the field; the plan gives every node the rediscluster handler with
 * every cluster node as a seed and no proxy on its Redis links.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../harness/errors.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { fileOf, planTopology, proxyCount, proxyListenOn, type Site } from '../../harness/topology/plan/plan-topology.js';
import { findStrategy } from '../../harness/strategies/strategy-registry.js';
import type { TopologySpec } from '../../harness/topology/topology-types.js';

function scenario(topology: Record<string, unknown>, faults: unknown[] = []): Record<string, unknown> {
  return { name: 'unit-cluster', topology: { nodes: 2, strategy: 'rediscluster', ...topology }, workload: { users: 10, connections: 2, duration: '10s' }, faults };
}

function problemsOf(input: unknown): string[] {
  try {
    validateScenario(input, 'unit');
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, String(error));
    return error.problems;
  }
  assert.fail('scenario was accepted');
}

function assertProblem(problems: string[], field: string, pattern: RegExp): void {
  assert.ok(problems.some((p) => p.startsWith(`${field}:`) && pattern.test(p)), `no problem for ${field} matching ${pattern}; got:\n  ${problems.join('\n  ')}`);
}

test('a rediscluster scenario with cluster faults is valid; cluster defaults are Redis\'s own', () => {
  const { scenario: s, faults } = validateScenario(
    scenario({ redis: { cluster: { masters: 3 } } }, [
      { type: 'redis-master-kill', target: 'redis-2', at: '30%', duration: '2s' },
      { type: 'redis-master-kill', at: '60%' },
      { type: 'redis-manual-failover', target: 'redis-4', at: '80%' },
    ]),
  );
  assert.deepEqual(s.topology.redis.cluster, { masters: 3, replicas: 1, nodeTimeout: '15s', requireFullCoverage: true });
  assert.equal(faults[1]!.target, 'master');
});

test('fewer than 3 masters is refused, naming the field', () => {
  assertProblem(problemsOf(scenario({ redis: { cluster: { masters: 2 } } })), 'topology.redis.cluster.masters', /at least 3 masters/);
  assertProblem(problemsOf(scenario({ redis: { cluster: { nodeTimeout: 'soon' } } })), 'topology.redis.cluster.nodeTimeout', /.+/);
  assertProblem(problemsOf(scenario({ redis: { cluster: { mastres: 3 } } })), 'topology.redis.cluster', /mastres/);
});

test('cluster settings with a strategy that stores no session in Redis are refused; with a redis strategy they are left unused', () => {
  assertProblem(problemsOf(scenario({ strategy: 'files', redis: { cluster: {} } })), 'topology.redis.cluster', /stores no session in Redis/);
  assert.doesNotThrow(() => validateScenario(scenario({ strategy: 'redis', redis: { cluster: {} } })));
});

test('a cluster fault without a cluster, and a single-Redis fault on a cluster, are refused naming the fault', () => {
  assertProblem(problemsOf(scenario({ strategy: 'redis' }, [{ type: 'redis-manual-failover', target: 'redis-4', at: '1s' }])), 'faults[0].target', /needs a Redis Cluster/);
  assertProblem(problemsOf(scenario({ strategy: 'redis' }, [{ type: 'redis-master-kill', target: 'redis-2', at: '1s' }])), 'faults[0].target', /must be "master"/);
  assertProblem(problemsOf(scenario({ strategy: 'files' }, [{ type: 'redis-master-kill', at: '1s' }])), 'faults[0].target', /needs a Redis Cluster/);
  assertProblem(problemsOf(scenario({}, [{ type: 'redis-master-kill', target: 'redis-7', at: '1s' }])), 'faults[0].target', /not a node of the Redis Cluster: use one of redis-1, .*redis-6/);
  assertProblem(problemsOf(scenario({}, [{ type: 'redis-restart', at: '1s' }])), 'faults[0].target', /needs Redis: .*with a Redis Cluster use redis-master-kill/);
  // Redis link faults act on every client's link to one cluster node (or to all of them), not on a PHP node's.
  assert.doesNotThrow(() => validateScenario(scenario({}, [{ type: 'redis-latency', target: 'redis-2', at: '1s', latency: 10 }, { type: 'redis-down', target: 'redis', at: '2s' }])));
  assertProblem(problemsOf(scenario({}, [{ type: 'redis-latency', target: 'node-1', at: '1s', latency: 10 }])), 'faults[0].target', /a node of the Redis Cluster \(redis-1, .*redis-6/);
  // A bigger cluster has more nodes to name.
  assert.doesNotThrow(() => validateScenario(scenario({ redis: { cluster: { masters: 4, replicas: 2 } } }, [{ type: 'redis-master-kill', target: 'redis-12', at: '1s' }])));
});

test('a Redis Cluster on the docker provider is valid, but its partition fault is refused before anything starts', () => {
  assert.doesNotThrow(() => validateScenario(scenario({ provider: 'docker' }, [{ type: 'redis-master-kill', at: '1s' }])));
  const problems = problemsOf(scenario({ provider: 'docker' }, [{ type: 'redis-master-kill', at: '1s' }, { type: 'redis-master-partition', at: '2s' }]));
  assertProblem(problems, 'faults[1].type', /provider "docker" cannot partition a Redis Cluster yet/);
  assertProblem(problemsOf(scenario({ provider: 'docker' }, [{ type: 'redis-latency', target: 'redis-1', at: '1s' }])), 'faults[0].type', /puts no proxy on a Redis Cluster's links/);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.doesNotThrow(() => validateScenario(scenario({}, [{ type: 'redis-master-partition', at: '2s' }])));
});

test('the plan gives every node the rediscluster handler with every cluster node as a seed; proxied, one proxy per cluster node, announced as its port', () => {
  const spec = {
    runId: 'run1',
    nodes: 2,
    balancer: 'nginx',
    strategy: findStrategy('rediscluster-distribute')!,
    phpChildren: 2,
    serializer: 'php',
    phpIni: {},
    proxies: true,
    redisCluster: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000, requireFullCoverage: true },
    redisTimeouts: { timeoutS: 1, readTimeoutS: 'default' },
  } as TopologySpec;
  const seeds = [7001, 7002, 7003, 7004, 7005, 7006].map((port) => ({ host: '127.0.0.1', port }));
  // A proxy per balancer link, and one per cluster node (not per PHP node).
  assert.equal(proxyCount(spec), 2 + 6);
  const site: Site = {
    nodeHttp: (n) => ({ host: '127.0.0.1', port: n === 'node-1' ? 8001 : 8002 }),
    nodeHttpListen: (n) => `127.0.0.1:${n === 'node-1' ? 8001 : 8002}`,
    nodeFpm: (n) => ({ host: '127.0.0.1', port: n === 'node-1' ? 9001 : 9002 }),
    nodePaths: (n) => ({ sessionDir: `/r/${n}/s`, prefixDir: `/r/${n}`, appDir: '/app', fpmPidFile: '/p', fpmErrorLog: '/f', phpErrorLog: '/e' }),
    redis: null,
    redisCluster: seeds,
    proxyListen: proxyListenOn(spec, '127.0.0.1', [6001, 6002, 6011, 6012, 6013, 6014, 6015, 6016]),
    balancerListen: '127.0.0.1:80',
    balancerPrefixDir: '/r/b',
    fpmAsRoot: false,
  };
  const unproxied = planTopology({ ...spec, proxies: false }, site);
  assert.deepEqual(unproxied.links, []);
  assert.equal(unproxied.redisClusterAnnounced, undefined);
  assert.match(fileOf(unproxied.nodes[0]!, 'php-fpm.conf'), new RegExp(seeds.map((s) => `seed\\[\\]=127.0.0.1:${s.port}`).join('&')));
  const plan = planTopology(spec, site);
  const redisLinks = plan.links.filter((l) => l.kind === 'redis');
  assert.deepEqual(redisLinks.map((l) => [l.node, l.listen.port, l.upstream.port]), seeds.map((s, i) => [`redis-${i + 1}`, 6011 + i, s.port]));
  assert.deepEqual(Object.keys(plan.proxies.nodeToRedis), ['redis-1', 'redis-2', 'redis-3', 'redis-4', 'redis-5', 'redis-6']);
  // Each node announces its proxy's port: PHP's seeds and MOVED redirections go through it.
  assert.deepEqual(plan.redisClusterAnnounced, [6011, 6012, 6013, 6014, 6015, 6016]);
  const proxied = seeds.map((_, i) => ({ host: '127.0.0.1', port: 6011 + i }));
  assert.ok(plan.binaries.includes('redisCli') && plan.binaries.includes('redisServer'));
  for (const node of plan.nodes) {
    const pool = fileOf(node, 'php-fpm.conf');
    assert.match(pool, /php_admin_value\[session.save_handler\] = "?rediscluster"?/);
    const savePath = /php_admin_value\[session.save_path\] = "([^"]+)"/.exec(pool)?.[1];
    assert.equal(savePath, `${proxied.map((s) => `seed[]=127.0.0.1:${s.port}`).join('&')}&timeout=1&failover=distribute&persistent=0`);
    assert.equal(node.redis, null);
  }
  assert.throws(() => planTopology(spec, { ...site, redisCluster: null }), /needs a Redis Cluster/);
});

test('a cluster fault aimed at a user: the master serving that user session slot; refused without target master or a cluster', async () => {
  const { chooseMaster, sessionSlotOf } = await import('../../harness/faults/cluster-roles.js');
  const roles = [
    { name: 'redis-1', role: 'master' as const, master: null, failing: false, slots: 5461, servesSlotZero: true, ranges: [[0, 5460] as const] },
    { name: 'redis-2', role: 'master' as const, master: null, failing: false, slots: 5462, servesSlotZero: false, ranges: [[5461, 10922] as const] },
    { name: 'redis-3', role: 'master' as const, master: null, failing: false, slots: 5461, servesSlotZero: false, ranges: [[10923, 16383] as const] },
    { name: 'redis-4', role: 'replica' as const, master: 'redis-1', failing: false, slots: 0, servesSlotZero: false, ranges: [] },
  ];
  const ctx = {
    topology: { spec: { phpIni: {} } },
    sessionIdOf: (user: string) => (user === 'u1' ? 'abcdefabcdefabcdefabcdefabcdef12' : null),
  } as unknown as Parameters<typeof sessionSlotOf>[0];
  // CLUSTER KEYSLOT PHPREDIS_CLUSTER_SESSION:abcdefabcdefabcdefabcdefabcdef12 = 12653 (redis-3's).
  assert.equal(sessionSlotOf(ctx, 'u1'), 12653);
  assert.equal(chooseMaster(roles, 'master', 12653).name, 'redis-3');
  assert.equal(chooseMaster(roles, 'master').name, 'redis-1');
  assert.throws(() => sessionSlotOf(ctx, 'u2'), /u2 has no session yet/);
  assert.throws(() => chooseMaster(roles.filter((r) => r.name !== 'redis-3'), 'master', 12653), /master of slot 12653 is not a working master/);
  assert.doesNotThrow(() => validateScenario(scenario({}, [{ type: 'redis-master-kill', target: 'master', user: 'u3', at: '1s' }])));
  assertProblem(problemsOf(scenario({}, [{ type: 'redis-master-kill', target: 'redis-2', user: 'u3', at: '1s' }])), 'faults[0].target', /use it with target "master"/);
  assertProblem(problemsOf(scenario({ strategy: 'redis' }, [{ type: 'redis-master-kill', user: 'u3', at: '1s' }])), 'faults[0].target', /a rediscluster strategy/);
  assertProblem(problemsOf(scenario({}, [{ type: 'redis-master-partition', user: 'bob', at: '1s' }])), 'faults[0].user', /a user id like u17/);
});
