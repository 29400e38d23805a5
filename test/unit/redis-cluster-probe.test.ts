/**
 * The Redis Cluster probe's pure parts: users attributed to the master that owned their
 * session key's slot at the load start (harness/probes/redis-cluster-attribution.ts), the
 * failover summary, the node rows, the section schema, and its report card.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newUserModel, type UserModel } from '../../harness/checks/session-checker.js';
import { OwnerTally, slotLookup } from '../../harness/probes/redis-cluster-attribution.js';
import { attributeUsers, nodeRows } from '../../harness/probes/redis-cluster-probe.js';
import { redisClusterSectionSchema, type RedisClusterSection } from '../../harness/probes/redis-cluster-section.js';
import { parseClusterNodes } from '../../harness/redis-inspect/cluster-nodes.js';
import type { ClusterSnapshot } from '../../harness/redis-inspect/cluster-tracker.js';
import { firstFailover, type TimedClusterEvent } from '../../harness/redis-inspect/cluster-watch.js';
import { resultSchema } from '../../harness/results/result-schema.js';
import { failoverLine, redisClusterHtml, redisClusterSection } from '../../harness/report/redis-cluster-html.js';

const PREFIX = 'PHPREDIS_CLUSTER_SESSION:';
const start: ClusterSnapshot = {
  slots: [
    { start: 0, end: 5460, master: 'redis-1' },
    { start: 5461, end: 10922, master: 'redis-2' },
    { start: 10923, end: 16383, master: 'redis-3' },
  ],
  roles: { 'redis-1': 'master', 'redis-2': 'master', 'redis-3': 'master', 'redis-4': 'replica', 'redis-5': 'replica', 'redis-6': 'replica' },
  masters: { 'redis-4': 'redis-2', 'redis-5': 'redis-3', 'redis-6': 'redis-1' },
};

function user(id: string, sid: string | null, verdict: 'intact' | 'lost' | 'unserved'): UserModel {
  const u = newUserModel(id, `${id}-token`);
  if (sid) u.cookies.set('PHPSESSID', sid);
  if (verdict !== 'unserved') u.tokenStored = true;
  u.finalHasToken = verdict === 'intact' ? true : verdict === 'lost' ? false : null;
  return u;
}

const record = (t: number, userIndex: number, outcome: 'ok' | 'error' | 'reset') => ({ t, userIndex, check: { outcome } });

// Slots from redis-server's CLUSTER KEYSLOT: `{user1000}...` hashes "user1000" (3443), `{foo}...`
// hashes "foo" (12182), and PHPREDIS_CLUSTER_SESSION:abcdefabcdefabcdefabcdefabcdef12 is 12653.
const users = [
  user('u0', '{user1000}a', 'lost'), // redis-1
  user('u1', '{foo}b', 'intact'), // redis-3
  user('u2', 'abcdefabcdefabcdefabcdefabcdef12', 'intact'), // redis-3
  user('u3', null, 'unserved'), // no session id
];

function tally(): OwnerTally {
  const t = new OwnerTally();
  for (const r of [
    record(100, 0, 'ok'), record(400, 0, 'ok'), record(900, 0, 'ok'), record(1500, 0, 'error'),
    record(200, 1, 'ok'), record(300, 1, 'ok'), record(2100, 1, 'reset'),
    record(800, 2, 'ok'),
    record(1200, 3, 'error'),
  ]) t.record(r);
  return t;
}

test('users are attributed to the master that owned their key\'s slot at the load start', () => {
  const out = attributeUsers(tally(), users, start, 'PHPSESSID', PREFIX);
  assert.deepEqual(out.perOwner, [
    { master: 'redis-1', slots: 5461, users: 1, requests: 4, nonOk: 1, errors: 1, lostUsers: 1 },
    { master: 'redis-2', slots: 5462, users: 0, requests: 0, nonOk: 0, errors: 0, lostUsers: 0 },
    { master: 'redis-3', slots: 5461, users: 2, requests: 4, nonOk: 1, errors: 0, lostUsers: 0 },
  ]);
  assert.deepEqual(out.unattributed, { users: 1, requests: 1, nonOk: 1, errors: 1, lostUsers: 0 });
  assert.deepEqual(out.errorsPerSecondByOwner, [
    { t: 1, byOwner: { 'redis-1': 1, unattributed: 1 } },
    { t: 2, byOwner: { 'redis-3': 1 } },
  ]);
});

test('without a slot map every user is unattributed; counters grow past their first size', () => {
  const many = Array.from({ length: 3000 }, (_, i) => user(`u${i}`, `sid${i}`, 'intact'));
  const t = new OwnerTally();
  for (let i = 0; i < many.length; i++) {
    t.record(record(i, i, 'ok'));
    if (i % 1000 === 999) t.record(record(5000, i, 'error'));
  }
  const out = attributeUsers(t, many, null, 'PHPSESSID', PREFIX);
  assert.deepEqual(out.perOwner, []);
  assert.deepEqual(out.unattributed, { users: 3000, requests: 3003, nonOk: 3, errors: 3, lostUsers: 0 });
  assert.deepEqual(out.errorsPerSecondByOwner, [{ t: 5, byOwner: { unattributed: 3 } }]);
  // With the map, the same users split over the masters and add up to the same totals.
  const split = attributeUsers(t, many, start, 'PHPSESSID', PREFIX);
  assert.equal(split.perOwner.reduce((n, o) => n + o.users, 0), 3000);
  assert.equal(split.perOwner.reduce((n, o) => n + o.requests, 0), 3003);
  assert.ok(split.perOwner.every((o) => o.users > 800), 'CRC16 spreads 3000 keys over three equal thirds');
});

test('slotLookup covers exactly the listed ranges', () => {
  const lookup = slotLookup([{ start: 10, end: 20, master: 'redis-2' }]);
  assert.equal(lookup(9), null);
  assert.equal(lookup(10), 'redis-2');
  assert.equal(lookup(20), 'redis-2');
  assert.equal(lookup(21), null);
});

const ev = (t: number, type: TimedClusterEvent['type'], node: string, extra: Partial<TimedClusterEvent> = {}): TimedClusterEvent => ({ t, type, node, ...extra });

test('firstFailover: the first master flagged fail and the promotion that took its slots', () => {
  const events = [
    ev(-50, 'promoted', 'redis-5', { from: 'redis-3' }), // before: not this failover
    ev(100, 'pfail', 'redis-1', { role: 'master' }),
    ev(150, 'fail', 'redis-4', { role: 'replica' }), // a replica: not a master failure
    ev(900, 'fail', 'redis-1', { role: 'master', by: 'redis-2' }),
    ev(900, 'cluster-state', 'redis-2', { state: 'fail' }),
    ev(1500, 'promoted', 'redis-4', { from: 'redis-2' }),
    ev(1800, 'promoted', 'redis-6', { from: 'redis-1' }),
  ];
  assert.deepEqual(firstFailover(events), { failedNode: 'redis-1', flaggedFailAtMs: 900, promotedNode: 'redis-6', promotedAtMs: 1800 });
  assert.deepEqual(firstFailover(events.slice(0, 5)), { failedNode: 'redis-1', flaggedFailAtMs: 900, promotedNode: null, promotedAtMs: null });
  assert.equal(firstFailover(events.slice(0, 3)), null);
});

test('node rows: roles at the start and in each node\'s own words at the end', () => {
  const ids = ['1', '2', '3', '4', '5', '6'].map((d) => d.repeat(40));
  const line = (i: number, flags: string, master: string, slots = '') => `${ids[i]} 127.0.0.1:${7001 + i}@${17001 + i} ${flags} ${master} 0 0 1 connected ${slots}`.trim();
  // Each answering node's own CLUSTER NODES (only its own line matters for its row).
  const readings = [
    { name: 'redis-1', self: null, entries: [], usedMemoryBytes: null },
    { name: 'redis-2', ...own(line(1, 'myself,master', '-', '5461-10922')), usedMemoryBytes: 2_000_000 },
    { name: 'redis-3', ...own(line(2, 'myself,master', '-', '10923-16383')), usedMemoryBytes: 2_100_000 },
    { name: 'redis-4', ...own(line(3, 'myself,slave', ids[1]!)), usedMemoryBytes: 1_900_000 },
    { name: 'redis-5', self: null, entries: [], usedMemoryBytes: null },
    { name: 'redis-6', ...own(line(5, 'myself,master', '-', '0-5460')), usedMemoryBytes: 2_200_000 },
  ];
  function own(text: string) {
    const entries = parseClusterNodes(text);
    return { self: entries[0]!, entries };
  }
  const rows = nodeRows(readings, start, new Set(['redis-1']), { 'redis-2': 10, 'redis-3': 12, 'redis-6': 9 });
  assert.deepEqual(rows, [
    { name: 'redis-1', roleAtStart: 'master', roleAtEnd: 'down', masterAtEnd: null, keys: 0, usedMemoryBytes: null },
    { name: 'redis-2', roleAtStart: 'master', roleAtEnd: 'master', masterAtEnd: null, keys: 10, usedMemoryBytes: 2_000_000 },
    { name: 'redis-3', roleAtStart: 'master', roleAtEnd: 'master', masterAtEnd: null, keys: 12, usedMemoryBytes: 2_100_000 },
    { name: 'redis-4', roleAtStart: 'replica', roleAtEnd: 'replica', masterAtEnd: 'redis-2', keys: 0, usedMemoryBytes: 1_900_000 },
    { name: 'redis-5', roleAtStart: 'replica', roleAtEnd: 'unreachable', masterAtEnd: null, keys: 0, usedMemoryBytes: null },
    { name: 'redis-6', roleAtStart: 'replica', roleAtEnd: 'master', masterAtEnd: null, keys: 9, usedMemoryBytes: 2_200_000 },
  ]);
});

function section(): RedisClusterSection {
  const events = [ev(-20, 'cluster-state', 'redis-4', { state: 'ok' }), ev(900, 'fail', 'redis-1', { role: 'master', by: 'redis-2' }), ev(1800, 'promoted', 'redis-6', { from: 'redis-1', slots: [[0, 5460]] })];
  return {
    settings: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000, requireFullCoverage: true },
    prefix: PREFIX,
    nodes: [
      { name: 'redis-1', roleAtStart: 'master', roleAtEnd: 'down', masterAtEnd: null, keys: 0, usedMemoryBytes: null },
      { name: '<b>redis-6</b>', roleAtStart: 'replica', roleAtEnd: 'master', masterAtEnd: null, keys: 2, usedMemoryBytes: 1_500_000 },
    ],
    slotsAtStart: start.slots,
    users: 4,
    keys: 3,
    lockKeys: 0,
    ttlMinS: 1430,
    ttlMaxS: 1440,
    keysWithoutTtl: 0,
    expectedTtlS: 1440,
    ttlCheck: { passed: true, message: 'all 3 session keys expire in 1430..1440 s' },
    bytesPerSession: 180,
    events,
    droppedEvents: 0,
    failover: firstFailover(events),
    ...attributeUsers(tally(), users, start, 'PHPSESSID', PREFIX),
    storeCheckError: 'no answering master serves slot 3443 <oops>',
  };
}

test('the section survives JSON and validates, inside a result too; bad slots and event types are refused', () => {
  const s = section();
  const back = redisClusterSectionSchema.parse(JSON.parse(JSON.stringify(s)));
  assert.deepEqual(back, s);
  assert.ok(resultSchema.shape.redisCluster, 'result-schema.ts has the redisCluster section');
  assert.deepEqual(resultSchema.shape.redisCluster.parse(s), s);
  assert.throws(() => redisClusterSectionSchema.parse({ ...s, slotsAtStart: [{ start: 0, end: 16384, master: 'redis-1' }] }));
  assert.throws(() => redisClusterSectionSchema.parse({ ...s, events: [{ t: 1, type: 'exploded', node: 'redis-1' }] }));
  assert.throws(() => redisClusterSectionSchema.parse({ ...s, perOwner: [{ master: 'redis-1', slots: 1, users: -1, requests: 0, nonOk: 0, errors: 0, lostUsers: 0 }] }));
});

test('report card: the failover line, events, per-owner figures; every result string escaped', () => {
  const s = section();
  const sessions = { users: 4, intact: 2, recovered: 0, lost: 1, unknown: 0, unserved: 1 };
  const html = redisClusterHtml(s, sessions);
  assert.match(html, /redis-1 flagged fail at 0\.9 s, redis-6 promoted at 1\.8 s \(0\.9 s later\)/);
  assert.match(html, /took over from redis-1, slots 0-5460 \(5,461\)/);
  assert.match(html, /<td>-0\.02 s<\/td>/, 'an event before the load start has a negative time');
  assert.match(html, /redis-1 \(failed\)/);
  assert.match(html, /no owner \(no session id\)/);
  assert.ok(!html.includes('<b>redis-6</b>') && html.includes('&lt;b&gt;redis-6&lt;/b&gt;'), 'a node name is escaped');
  assert.ok(html.includes('&lt;oops&gt;'), 'the store check error is escaped');
  assert.ok(!/<(script|link|img)\b|https?:\/\//.test(html), 'no external resources');
  assert.match(failoverLine({ failover: null }), /no failover seen/);
  assert.match(failoverLine({ failover: { failedNode: 'redis-2', flaggedFailAtMs: 10, promotedNode: null, promotedAtMs: null } }), /no replica was promoted/);
  const page = redisClusterSection([{ sessions }, { redisCluster: s, sessions }], [{ label: 'a', color: '#000' }, { label: 'b', color: '#111' }]);
  assert.equal(page?.id, 'redis-cluster');
  assert.equal((page!.html.match(/class="card"/g) ?? []).length, 1);
  assert.equal(redisClusterSection([{ sessions }], []), null);
});
