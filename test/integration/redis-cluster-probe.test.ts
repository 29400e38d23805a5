/**
 * The Redis Cluster probe against a REAL cluster (3 masters + 3 replicas, node timeout 1 s):
 * session keys written through a cluster client, the probe started, one master SIGKILLed, and
 * the section read after its replica took over: the watcher saw the failure and the promotion
 * under the right names, users are attributed to the master that held their keys (checked
 * against each master's own SCAN), and every stored session is read from its new master.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Cluster, Redis } from 'ioredis';
import { newUserModel, type UserModel } from '../../harness/checks/session-checker.js';
import { RedisClusterProbe } from '../../harness/probes/redis-cluster-probe.js';
import { redisClusterSectionSchema } from '../../harness/probes/redis-cluster-section.js';
import { parseClusterNodes, slotCount } from '../../harness/redis-inspect/cluster-nodes.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRedisCluster } from '../../harness/topology/local/local-redis-cluster.js';
import { freePorts } from '../../harness/topology/free-port.js';
import { requireBinary } from '../../harness/topology/local/system-binaries.js';

const PREFIX = 'PHPREDIS_CLUSTER_SESSION:';
const USERS = 300;
let cluster: LocalRedisCluster | undefined;
const dir = mkdtempSync(join(tmpdir(), 'psl-cluster-probe-'));

// The local provider's own cluster (6 redis-servers, each stopped by PID at the end).
before(async () => {
  mkdirSync(join(dir, 'pids'));
  cluster = new LocalRedisCluster({
    settings: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, requireFullCoverage: true },
    persistence: 'none',
    host: '127.0.0.1',
    ports: await freePorts(12),
    dir,
    runId: `cluster-probe-${process.pid}`,
    pidsDir: join(dir, 'pids'),
    redisServer: await requireBinary('redisServer'),
    redisCli: await requireBinary('redisCli'),
    log: () => {},
  });
  await cluster.start();
});
after(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What PHP's `php` serializer writes for the app's session. */
const phpSession = (u: UserModel, count: number) =>
  `variableString|s:${u.token.length}:"${u.token}";user|s:${u.id.length}:"${u.id}";visit_count|i:${count};`;

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a killed master: the probe sees it fail and its replica promoted, and attributes users to the right master', { timeout: 60_000 }, async () => {
  const c = cluster!;
  const started = c;
  const client = (name: string) => {
    const n = c.nodes.find((x) => x.name === name)!;
    return new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  };

  // Users with a session each, written through a cluster client as phpredis would (SETEX gc_maxlifetime).
  const users = Array.from({ length: USERS }, (_, i) => {
    const u = newUserModel(`u${i}`, `tok-${i}-${Math.random().toString(36).slice(2)}`);
    u.cookies.set('PHPSESSID', `${i.toString(16).padStart(4, '0')}${Math.random().toString(16).slice(2, 14)}`);
    u.tokenStored = true;
    u.lastCount = 3;
    u.finalHasToken = true;
    return u;
  });
  const writer = new Cluster(started.nodes.map(({ host, port }) => ({ host, port })), { enableAutoPipelining: true });
  try {
    await Promise.all(users.map((u) => writer.setex(PREFIX + u.cookies.get('PHPSESSID')!, 1440, phpSession(u, 3))));
    // Replicated before the kill: the promoted replica must hold the failed master's keys.
    await Promise.all(writer.nodes('master').map((m) => m.call('WAIT', 1, 2000)));
  } finally {
    writer.disconnect();
  }

  // Ground truth from Redis: which master holds which keys before the failure.
  const keysOnMaster = new Map<string, number>();
  const roles = new Map<string, { role: string; master: string | null; slots: number }>();
  for (const node of started.nodes) {
    const r = client(node.name);
    await r.connect();
    const self = parseClusterNodes(String(await r.call('CLUSTER', 'NODES'))).find((e) => e.myself)!;
    roles.set(node.name, { role: self.role, master: self.masterId, slots: slotCount(self.slots) });
    if (self.role === 'master') keysOnMaster.set(node.name, Number(await r.dbsize()));
    r.disconnect();
  }
  assert.equal([...keysOnMaster.values()].reduce((a, b) => a + b, 0), USERS);
  const victim = 'redis-1';
  assert.equal(roles.get(victim)?.role, 'master', 'redis-cli made the first node a master');
  // The victim's users, by asking the victim itself (a key it does not own answers MOVED).
  const victimUsers = await (async () => {
    const r = client(victim);
    await r.connect();
    const pipe = r.pipeline();
    for (const u of users) pipe.exists(PREFIX + u.cookies.get('PHPSESSID')!);
    const replies = (await pipe.exec()) ?? [];
    r.disconnect();
    return users.flatMap((_, i) => (replies[i]![0] === null && replies[i]![1] === 1 ? [i] : []));
  })();
  assert.equal(victimUsers.length, keysOnMaster.get(victim));

  const log: string[] = [];
  const probe = new RedisClusterProbe(started, { expectedTtlS: 1440, serializer: 'php', cookieName: 'PHPSESSID', compareVisitCount: true, log: (m) => log.push(m) });
  try {
    await probe.start();
    const loadStart = performance.now();
    probe.onLoadStart(loadStart);
    // Every user answers once before the kill; afterwards the victim's users get errors.
    users.forEach((_, i) => probe.onRecord({ t: 10, userIndex: i, kind: 'visit', status: 200, latencyMs: 1, check: { outcome: 'ok', node: 'node-1', expected: 1, got: 1 } }));

    await started.killRedisNode(victim);
    const killedAt = performance.now() - loadStart;
    for (const i of victimUsers) {
      probe.onRecord({ t: killedAt + 500, userIndex: i, kind: 'visit', status: 0, latencyMs: 2000, check: { outcome: 'error', node: null, expected: 4, got: null } });
      users[i]!.nonOk++;
    }
    // Who took over, in Redis's own words (a surviving master's CLUSTER NODES).
    const victimId = await (async () => {
      const r = client('redis-2');
      await r.connect();
      const nodes = parseClusterNodes(String(await r.call('CLUSTER', 'NODES')));
      r.disconnect();
      return nodes.find((e) => e.port === c.nodes[0]!.port)!.id;
    })();
    const replicaName = started.nodes.find((n) => roles.get(n.name)?.master === victimId)!.name;
    await until(`${replicaName} promoted`, 15_000, async () => {
      const r = client(replicaName);
      await r.connect();
      try {
        const self = parseClusterNodes(String(await r.call('CLUSTER', 'NODES'))).find((e) => e.myself)!;
        return self.role === 'master' ? true : null;
      } finally {
        r.disconnect();
      }
    });
    await new Promise((r) => setTimeout(r, 700)); // a few more polls of the watcher
    const section = await probe.finish({ requests: USERS, durationMs: performance.now() - loadStart, users, baseUrl: 'http://127.0.0.1:1', aborted: false, finalReadsDone: true });
    assert.ok(section, `no section: ${log.join('; ')}`);
    redisClusterSectionSchema.parse(section);

    // The watcher: the victim flagged fail (as a master), its replica promoted with its slots.
    const fail = section.events.find((e) => e.type === 'fail' && e.node === victim);
    const promoted = section.events.find((e) => e.type === 'promoted' && e.node === replicaName);
    assert.ok(fail, `no fail event for ${victim}: ${JSON.stringify(section.events)}`);
    assert.equal(fail.role, 'master');
    assert.ok(fail.t >= killedAt, 'flagged after the kill');
    assert.ok(promoted, `no promoted event for ${replicaName}: ${JSON.stringify(section.events)}`);
    assert.equal(promoted.from, victim);
    assert.equal(slotCount(promoted.slots!), roles.get(victim)!.slots);
    assert.ok(promoted.t >= fail.t);
    assert.equal(section.events.filter((e) => e.type === 'fail' && e.node === victim).length, 1, 'one fail event, however many nodes saw it');
    assert.equal(section.events.filter((e) => e.type === 'promoted').length, 1);
    assert.deepEqual(section.events.filter((e) => e.type === 'slots-moved'), [], 'the promotion tells of the slots it took');
    assert.deepEqual(section.failover, { failedNode: victim, flaggedFailAtMs: fail.t, promotedNode: replicaName, promotedAtMs: promoted.t });

    // Users by the master that held their keys at the load start: Redis's own counts.
    assert.deepEqual(
      Object.fromEntries(section.perOwner.map((o) => [o.master, o.users])),
      Object.fromEntries(keysOnMaster),
    );
    assert.equal(section.perOwner.reduce((n, o) => n + o.slots, 0), 16384);
    assert.equal(section.unattributed.users, 0);
    for (const o of section.perOwner) {
      const mine = o.master === victim ? victimUsers.length : 0;
      assert.deepEqual([o.master, o.requests, o.nonOk, o.errors], [o.master, o.users + mine, mine, mine]);
    }
    const second = Math.floor((killedAt + 500) / 1000);
    assert.deepEqual(section.errorsPerSecondByOwner, [{ t: second, byOwner: { [victim]: victimUsers.length } }]);

    // After the failover, in each node's own words.
    const row = (name: string) => section.nodes.find((n) => n.name === name)!;
    assert.equal(row(victim).roleAtStart, 'master');
    assert.equal(row(victim).roleAtEnd, 'down');
    assert.equal(row(replicaName).roleAtStart, 'replica');
    assert.equal(row(replicaName).roleAtEnd, 'master');
    assert.equal(row(replicaName).keys, keysOnMaster.get(victim), 'the promoted replica holds the failed master\'s keys');
    assert.equal(section.keys, USERS);
    assert.equal(section.keysWithoutTtl, 0);
    assert.equal(section.ttlCheck.passed, true, section.ttlCheck.message);
    assert.ok(section.bytesPerSession && section.bytesPerSession > 0);

    // Every session read from the master serving its slot now, and it agrees with the model.
    assert.equal(section.storeCheckError, undefined);
    assert.equal(section.storeCheck?.checked, USERS);
    assert.equal(section.storeCheck?.agree, USERS, JSON.stringify(section.storeCheck?.samples));
  } finally {
    probe.close();
  }
});
