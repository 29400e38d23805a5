/**
 * The local provider's Redis Cluster (rediscluster strategy), on real servers: 3 masters and 3
 * replicas created and ready; a session written through PHP lands on the master that owns its
 * key's slot; a killed master's replica is promoted and serves the session with its data; the
 * old master restarted rejoins as a replica; stopping the stack leaves no redis-server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { localProvider } from '../../harness/topology/local/local-provider.js';
import { findStrategy } from '../../harness/strategies/strategy-registry.js';
import { withRedis } from '../../harness/redis-inspect/redis-connection.js';
import { readClusterRoles } from '../../harness/faults/cluster-roles.js';
import { tcpAccepts } from '../../harness/topology/readiness.js';
import type { RedisClusterNodeAddress, StartedTopology } from '../../harness/topology/topology-types.js';
import { leakedServers, serverPids } from '../helpers/run-cli.js';

async function visit(base: string, user: string, cookie: string | null, set?: string): Promise<{ sid: string; count: number; node: string }> {
  const response = await fetch(`${base}/?user=${user}${set ? `&set=${set}` : ''}`, { headers: cookie ? { cookie: `PHPSESSID=${cookie}` } : {} });
  const body = (await response.json()) as { sid: string; visit_count: number; node: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return { sid: body.sid, count: body.visit_count, node: body.node };
}

/** Which masters answer GET for the key themselves (the others redirect with MOVED). */
async function holders(nodes: readonly RedisClusterNodeAddress[], names: string[], key: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of nodes.filter((n) => names.includes(n.name))) {
    const value = await withRedis(node, (c) => c.get(key)).catch((error: Error) => (/MOVED/.test(error.message) ? null : Promise.reject(error)));
    if (value !== null) out.push(node.name);
  }
  return out;
}

test('a Redis Cluster: created and ready, sessions on the slot owner, failover after a master kill, the old master rejoins, nothing left', { timeout: 120_000 }, async () => {
  const before = serverPids();
  let topology: StartedTopology | null = null;
  try {
    topology = await localProvider.start({
      runId: `cluster-test-${process.pid}`,
      nodes: 2,
      balancer: 'nginx',
      strategy: findStrategy('rediscluster')!,
      phpChildren: 2,
      serializer: 'php',
      phpIni: {},
      redisCluster: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, requireFullCoverage: true },
      redisTimeouts: { timeoutS: 1, readTimeoutS: 1 },
      proxies: false,
    });
    const cluster = topology.redisCluster;
    assert.ok(cluster, 'no cluster');
    assert.equal(topology.redis, null, 'a cluster topology has no single Redis');
    assert.equal(cluster.nodes.length, 6);
    for (const node of cluster.nodes) {
      const info = await withRedis(node, async (c) => String(await c.call('CLUSTER', 'INFO')));
      assert.match(info, /cluster_state:ok/, `${node.name}: ${info.slice(0, 80)}`);
      assert.match(info, /cluster_slots_ok:16384/);
    }
    const roles = await readClusterRoles(cluster);
    const masters = roles.filter((r) => r.role === 'master').map((r) => r.name);
    assert.equal(masters.length, 3, JSON.stringify(roles));
    assert.equal(roles.filter((r) => r.role === 'replica').length, 3);

    // A session written through PHP: stored once, on the master that owns its slot.
    const first = await visit(topology.baseUrl, 'u1', null, 'tok1');
    const key = `PHPREDIS_CLUSTER_SESSION:${first.sid}`;
    const owners = await holders(cluster.nodes, masters, key);
    assert.equal(owners.length, 1, `held by ${owners.join(', ') || 'no master'}`);
    const owner = owners[0]!;
    const slot = Number(await withRedis(cluster.nodes[0]!, (c) => c.call('CLUSTER', 'KEYSLOT', key)));
    const ranges = (await withRedis(cluster.nodes.find((n) => n.name === owner)!, (c) => c.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number]]>;
    const ownerPort = cluster.nodes.find((n) => n.name === owner)!.port;
    assert.ok(ranges.some(([from, to, [, port]]) => slot >= from && slot <= to && port === ownerPort), `slot ${slot} is not ${owner}'s`);
    await visit(topology.baseUrl, 'u1', first.sid);

    // Kill the owner: its replica is promoted, and the session is served again with its data.
    const replica = roles.find((r) => r.master === owner)!.name;
    await cluster.killRedisNode(owner);
    assert.deepEqual(cluster.downNodes(), [owner]);
    let promoted = false;
    for (let i = 0; i < 150 && !promoted; i++) {
      await sleep(100);
      promoted = (await readClusterRoles(cluster)).some((r) => r.name === replica && r.role === 'master' && r.slots > 0);
    }
    assert.ok(promoted, `${replica} was not promoted within 15 s of ${owner}'s death`);
    let after: { count: number } | null = null;
    for (let i = 0; i < 50 && !after; i++) {
      after = await visit(topology.baseUrl, 'u1', first.sid).catch(async () => {
        await sleep(100);
        return null;
      });
    }
    assert.ok(after, 'the session was not served after the failover');
    assert.equal(after.count, 3, 'the promoted replica does not hold the session with its count');

    // The old master comes back as a replica of the promoted one.
    await cluster.restoreRedisNode(owner);
    const rejoined = (await readClusterRoles(cluster)).find((r) => r.name === owner);
    assert.equal(rejoined?.role, 'replica', JSON.stringify(rejoined));
    assert.equal(rejoined?.master, replica);
  } finally {
    const ports = topology?.redisCluster?.nodes.map((n) => n.port) ?? [];
    await topology?.stop();
    for (const port of ports) assert.equal(await tcpAccepts('127.0.0.1', port), false, `port ${port} still accepts after stop`);
    assert.deepEqual(leakedServers(before), [], 'servers left running');
  }
});

test('a proxied Redis Cluster: every node announces its Toxiproxy proxy, so cutting one proxy cuts PHP off that master only', { timeout: 120_000 }, async () => {
  const before = serverPids();
  let topology: StartedTopology | null = null;
  try {
    topology = await localProvider.start({
      runId: `cluster-proxy-test-${process.pid}`,
      nodes: 1,
      balancer: 'nginx',
      strategy: findStrategy('rediscluster')!,
      phpChildren: 2,
      serializer: 'php',
      phpIni: {},
      redisCluster: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 5000, requireFullCoverage: true },
      redisTimeouts: { timeoutS: 1, readTimeoutS: 1 },
      proxies: true,
      proxyLinks: { balancer: false, redis: true },
    });
    const cluster = topology.redisCluster!;
    const proxies = topology.toxiproxy!.proxies.nodeToRedis;
    assert.deepEqual(Object.keys(proxies).sort(), cluster.nodes.map((n) => n.name).sort());
    const api = topology.toxiproxy!.url;
    const proxy = async (name: string) => (await (await fetch(`${api}/proxies/${name}`)).json()) as { listen: string; enabled: boolean; upstream: string };
    // Each node announces its proxy's port (CLUSTER SLOTS is what phpredis follows).
    const slots = (await withRedis(cluster.nodes[0]!, (c) => c.call('CLUSTER', 'SLOTS'))) as Array<[number, number, [string, number]]>;
    for (const [, , [, port]] of slots) {
      const owner = cluster.nodes.find((n) => n.announcedPort === port);
      assert.ok(owner, `slot owner announces port ${port}, not a proxy's`);
      assert.equal((await proxy(proxies[owner.name]!)).listen.split(':').pop(), String(port));
    }
    // Two users whose sessions live on different masters.
    const users = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(async (u) => ({ u, ...(await visit(topology!.baseUrl, u, null, `t${u}`)) })));
    const roles = await readClusterRoles(cluster);
    const ownerOf = async (sid: string) => (await holders(cluster.nodes, roles.filter((r) => r.role === 'master').map((r) => r.name), `PHPREDIS_CLUSTER_SESSION:${sid}`))[0]!;
    const withOwner = await Promise.all(users.map(async (x) => ({ ...x, owner: await ownerOf(x.sid) })));
    const cut = withOwner[0]!;
    const other = withOwner.find((x) => x.owner !== cut.owner);
    assert.ok(other, 'all sessions on one master');
    const name = proxies[cut.owner]!;
    const p = await proxy(name);
    const toggle = (enabled: boolean) => fetch(`${api}/proxies/${name}`, { method: 'POST', body: JSON.stringify({ enabled, listen: p.listen, upstream: p.upstream }) });
    await toggle(false);
    try {
      const response = await fetch(`${topology.baseUrl}/?user=${cut.u}`, { headers: { cookie: `PHPSESSID=${cut.sid}` } });
      assert.notEqual(response.status, 200, `a session on ${cut.owner} was served with its proxy disabled`);
      await response.text();
      assert.equal((await visit(topology.baseUrl, other.u, other.sid)).count, 2, `a session on ${other.owner} failed while only ${cut.owner}'s proxy was cut`);
    } finally {
      await toggle(true);
    }
    assert.equal((await visit(topology.baseUrl, cut.u, cut.sid)).count, 2);
  } finally {
    await topology?.stop();
    assert.deepEqual(leakedServers(before), [], 'servers left running');
  }
});
