import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileOf, planTopology, proxyCount, proxyListenOn, type Site } from '../../harness/topology/plan/plan-topology.js';
import { balancerNames, balancers, requireBalancer } from '../../harness/topology/balancers/balancer-registry.js';
import { findStrategy, strategyNames } from '../../harness/strategies/strategy-registry.js';
import { scenarioSchema } from '../../harness/scenario/scenario-schema.js';
import { applyOverrides } from '../../harness/cli/scenario-overrides.js';
import type { TopologySpec } from '../../harness/topology/topology-types.js';

function spec(over: Omit<Partial<TopologySpec>, 'strategy'> & { strategy?: string } = {}): TopologySpec {
  const { strategy, ...rest } = over;
  return {
    runId: 'run1',
    nodes: 3,
    balancer: 'nginx',
    strategy: findStrategy(strategy ?? 'redis')!,
    phpChildren: 4,
    serializer: 'php',
    phpIni: {},
    proxies: false,
    ...rest,
  } as TopologySpec;
}

function site(s: TopologySpec): Site {
  let next = 50000;
  const http = new Map<string, number>();
  const port = (n: string) => http.get(n) ?? (http.set(n, ++next), next);
  const proxyPorts = Array.from({ length: proxyCount(s) }, (_, i) => 60000 + i);
  return {
    nodeHttp: (n) => ({ host: '127.0.0.1', port: port(n) }),
    nodeHttpListen: (n) => `127.0.0.1:${port(n)}`,
    nodeFpm: (n) => ({ host: '127.0.0.1', port: port(n) + 1000 }),
    nodePaths: (n) => ({ sessionDir: `/r/${n}/sessions`, prefixDir: `/r/${n}`, appDir: '/app', fpmPidFile: `/r/${n}/pid`, fpmErrorLog: `/r/${n}/fpm.log`, phpErrorLog: `/r/${n}/php.log` }),
    redis: { host: '127.0.0.1', port: 6379 },
    proxyListen: proxyListenOn(s, '127.0.0.1', proxyPorts),
    balancerListen: '127.0.0.1:40000',
    balancerPrefixDir: '/r/balancer',
    fpmAsRoot: false,
  };
}

test('the plan wires every link through its proxy: the balancer reaches each node, and each node reaches Redis, at the proxy', () => {
  const s = spec({ proxies: true });
  const plan = planTopology(s, site(s));
  assert.deepEqual(plan.nodeNames, ['node-1', 'node-2', 'node-3']);
  assert.equal(plan.links.length, 6);
  for (const node of plan.nodes) {
    const toNode = plan.links.find((l) => l.kind === 'balancer' && l.node === node.name)!;
    const toRedis = plan.links.find((l) => l.kind === 'redis' && l.node === node.name)!;
    assert.equal(node.upstream, `${toNode.listen.host}:${toNode.listen.port}`);
    assert.deepEqual(node.redis, toRedis.listen);
    assert.deepEqual(toRedis.upstream, { host: '127.0.0.1', port: 6379 });
    assert.equal(plan.proxies.balancerToNode[node.name], toNode.proxy);
    // The node's PHP really uses the proxied Redis address.
    assert.match(fileOf(node, 'php-fpm.conf'), new RegExp(`tcp://127\\.0\\.0\\.1:${toRedis.listen.port}`));
    assert.match(plan.balancer.file.content, new RegExp(`server ${node.upstream.replace(/\./g, '\\.')}`));
  }
  assert.equal(new Set(plan.links.map((l) => l.proxy)).size, 6, 'proxy names must be unique');
});

test('the plan puts proxies only where asked: the balancer links alone, none without proxies, no Redis link without Redis', () => {
  const balancerOnly = spec({ proxies: true, proxyLinks: { balancer: true, redis: false } });
  const plan = planTopology(balancerOnly, site(balancerOnly));
  assert.deepEqual([...new Set(plan.links.map((l) => l.kind))], ['balancer']);
  assert.deepEqual(plan.nodes[0]!.redis, { host: '127.0.0.1', port: 6379 });
  const none = spec();
  assert.equal(planTopology(none, site(none)).links.length, 0);
  const files = spec({ proxies: true, strategy: 'files' });
  const filesPlan = planTopology(files, site(files));
  assert.ok(filesPlan.links.every((l) => l.kind === 'balancer'));
  assert.equal(filesPlan.nodes[0]!.redis, null);
  assert.ok(!filesPlan.binaries.includes('redisServer'));
});

test('the plan renders each node its own files: its name, its session directory, the serializer and the session payload', () => {
  const s = spec({ serializer: 'php_serialize', sessionPayload: 'cart', strategy: 'files' });
  const plan = planTopology(s, site(s));
  for (const node of plan.nodes) {
    assert.match(fileOf(node, 'php.ini'), /session\.serialize_handler\s*=\s*php_serialize/);
    assert.match(fileOf(node, 'php-fpm.conf'), new RegExp(`/r/${node.name}/sessions`));
    assert.match(fileOf(node, 'php-fpm.conf'), /env\[SESSION_PAYLOAD\] = "?cart"?$/m);
  }
});

test('every balancer is planned with its own config and retry policy; a sticky strategy gets a sticky config', () => {
  for (const balancer of balancers) {
    const s = spec({ balancer: balancer.name, strategy: 'affinity' });
    const plan = planTopology(s, site(s));
    assert.equal(plan.retry.balancer, balancer.name);
    assert.equal(plan.balancer.file.name, balancer.configFile);
    assert.equal(plan.balancer.sticky, true);
    assert.ok(plan.binaries.includes(balancer.binary));
    for (const d of plan.retry.directives) if (!d.includes('=')) assert.ok(plan.balancer.file.content.includes(d.split(' ')[0]!), `${balancer.name} config lacks ${d}`);
  }
  assert.match(planTopology(spec({ balancer: 'haproxy-leastconn' }), site(spec())).balancer.file.content, /^\s*balance leastconn$/m);
  assert.match(planTopology(spec({ balancer: 'haproxy' }), site(spec())).balancer.file.content, /^\s*balance roundrobin$/m);
});

const HAPROXY = '/usr/sbin/haproxy';
test('haproxy -c accepts the leastconn config', { skip: !existsSync(HAPROXY) && 'no haproxy' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-plan-'));
  try {
    for (const sticky of ['redis', 'affinity']) {
      const s = spec({ balancer: 'haproxy-leastconn', strategy: sticky });
      const conf = join(dir, 'haproxy.cfg');
      writeFileSync(conf, planTopology(s, site(s)).balancer.file.content);
      execFileSync(HAPROXY, ['-c', '-q', '-f', conf], { stdio: 'pipe' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('balancer names everywhere come from the registry: scenario schema, result schema, --balancer, strategies', () => {
  assert.deepEqual(balancerNames, ['nginx', 'haproxy', 'haproxy-leastconn']);
  const base = { name: 'x', topology: { strategy: 'redis', balancer: 'haproxy-leastconn' }, workload: { users: 1, connections: 1, duration: '1s' } };
  assert.equal(scenarioSchema.safeParse(base).success, true);
  const bad = scenarioSchema.safeParse({ ...base, topology: { strategy: 'redis', balancer: 'traefik' } });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /haproxy-leastconn/);
  assert.throws(() => applyOverrides({ topology: {} }, { balancer: 'traefik' }), /--balancer "traefik": use one of nginx, haproxy, haproxy-leastconn/);
  for (const name of strategyNames) assert.doesNotThrow(() => requireBalancer(findStrategy(name)!.preferredBalancer), `strategy ${name}`);
});

test('the plan lists every log: per node PHP, PHP-FPM and nginx files; nginx balancer error and access logs, HAProxy and Redis on their output', () => {
  const nginx = spec({ balancer: 'nginx', strategy: 'redis' });
  const logs = planTopology(nginx, site(nginx)).logs;
  assert.deepEqual(
    logs.filter((l) => l.component === 'node-2'),
    [
      { component: 'node-2', format: 'php-error', at: { file: '/r/node-2/php.log' } },
      { component: 'node-2', format: 'php-fpm', at: { file: '/r/node-2/fpm.log' } },
      { component: 'node-2', format: 'nginx-error', at: { file: '/r/node-2/error.log' } },
    ],
  );
  assert.deepEqual(logs.filter((l) => l.component === 'balancer'), [
    { component: 'balancer', format: 'nginx-error', at: { file: '/r/balancer/error.log' } },
    { component: 'balancer', format: 'nginx-access', at: { file: '/r/balancer/access.log' } },
  ]);
  assert.deepEqual(logs.filter((l) => l.component === 'redis'), [{ component: 'redis', format: 'redis', at: 'output' }]);
  // The rendered config writes where the plan reads.
  const config = planTopology(nginx, site(nginx)).balancer.file.content;
  assert.match(config, /access_log \/r\/balancer\/access\.log psl_evidence if=\$psl_abnormal;/);
  assert.match(config, /error_log \/r\/balancer\/error\.log /);
  const haproxy = spec({ balancer: 'haproxy', strategy: 'files' });
  // A PHP-FPM logging to its own stderr (containers) is read from its output.
  const containerSite = { ...site(haproxy), nodePaths: (n: string) => ({ ...site(haproxy).nodePaths(n), fpmErrorLog: '/proc/self/fd/2' }) };
  const hLogs = planTopology(haproxy, containerSite).logs;
  assert.deepEqual(hLogs.filter((l) => l.component === 'balancer'), [{ component: 'balancer', format: 'haproxy', at: 'output' }]);
  assert.equal(hLogs.find((l) => l.component === 'node-1' && l.format === 'php-fpm')?.at, 'output');
  assert.ok(!hLogs.some((l) => l.format === 'redis'), 'no Redis, no Redis log');
});
