import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../harness/topology/free-port.js';
import {
  checkTtlRefreshedByUse,
  diffCommandStats,
  inspectSessions,
  parseCommandStats,
  sampleCommandStats,
  sessionKey,
  RedisInspectError,
} from '../../harness/redis-inspect/index.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

const target = () => ({ host: '127.0.0.1', port: redis.port });
const payload = 'visit_count|i:3;variableString|s:5:"hello";';

async function writeSessions(count: number, opts: { ex?: number; prefix?: string } = {}): Promise<void> {
  const pipe = redis.client.pipeline();
  for (let i = 0; i < count; i++) {
    const key = `${opts.prefix ?? 'PHPREDIS_SESSION:'}sid${String(i).padStart(6, '0')}`;
    if (opts.ex) pipe.set(key, payload, 'EX', opts.ex);
    else pipe.set(key, payload);
  }
  await pipe.exec();
}

test('sessions written like phpredis (SETEX 1440): counted by SCAN, TTL check passes', async () => {
  await redis.client.flushall();
  await writeSessions(40, { ex: 1440 });
  await redis.client.set('PHPREDIS_SESSION:sid000001_LOCK', 'host|123', 'PX', 30_000); // a lock key, not a session
  await redis.client.set('other:key', 'x');
  const before = await redis.client.info('commandstats');
  const r = await inspectSessions(target(), { users: 40, expectedTtlS: 1440, sampleSize: 10 });
  assert.equal(r.keys, 40);
  assert.equal(r.users, 40);
  assert.equal(r.keysPerUser, 1);
  assert.equal(r.lockKeys, 1);
  assert.equal(r.keysWithoutTtl, 0);
  assert.ok(r.ttlMinS !== null && r.ttlMaxS !== null && r.ttlMinS >= 1430 && r.ttlMaxS <= 1440, `ttl ${r.ttlMinS}..${r.ttlMaxS}`);
  assert.ok(r.bytesPerSession !== null && r.bytesPerSession > payload.length, `bytes ${r.bytesPerSession}`);
  assert.equal(r.sampledKeys, 10);
  assert.equal(r.ttlCheck.passed, true, r.ttlCheck.message);
  // SCAN, never KEYS.
  const stats = parseCommandStats(await redis.client.info('commandstats'));
  const was = parseCommandStats(before);
  assert.equal(stats.commands.keys, undefined);
  assert.ok((stats.commands.scan?.calls ?? 0) > (was.commands.scan?.calls ?? 0));
});

test('keys without TTL fail the TTL check', async () => {
  await redis.client.flushall();
  await writeSessions(5, { ex: 1440 });
  await writeSessions(3, { prefix: 'PHPREDIS_SESSION:nottl-' });
  const r = await inspectSessions(target(), { users: 8, expectedTtlS: 1440 });
  assert.equal(r.keys, 8);
  assert.equal(r.keysWithoutTtl, 3);
  assert.equal(r.ttlCheck.passed, false);
  assert.match(r.ttlCheck.message, /3 of 8 session keys have no TTL/);
});

test('TTLs far from gc_maxlifetime fail the TTL check; no keys for served users fails too', async () => {
  await redis.client.flushall();
  await writeSessions(4, { ex: 86_400 });
  const long = await inspectSessions(target(), { users: 4, expectedTtlS: 1440 });
  assert.equal(long.ttlCheck.passed, false);
  assert.match(long.ttlCheck.message, /exceed session\.gc_maxlifetime=1440/);

  await redis.client.flushall();
  await writeSessions(4, { ex: 100 });
  const short = await inspectSessions(target(), { users: 4, expectedTtlS: 1440 });
  assert.equal(short.ttlCheck.passed, false);
  assert.match(short.ttlCheck.message, /below session\.gc_maxlifetime/);

  await redis.client.flushall();
  const none = await inspectSessions(target(), { users: 4, expectedTtlS: 1440 });
  assert.equal(none.keys, 0);
  assert.equal(none.bytesPerSession, null);
  assert.equal(none.ttlCheck.passed, false);
});

test('many keys: SCAN walks every cursor page; a prefix with glob characters matches literally', async () => {
  await redis.client.flushall();
  await writeSessions(5000, { ex: 1440 });
  await writeSessions(7, { ex: 1440, prefix: 'app[1]*:' });
  await writeSessions(3, { ex: 1440, prefix: 'app11x:' });
  const r = await inspectSessions(target(), { users: 2500, expectedTtlS: 1440, scanCount: 100 });
  assert.equal(r.keys, 5000);
  assert.equal(r.keysPerUser, 2);
  const odd = await inspectSessions(target(), { users: 7, expectedTtlS: 1440, prefix: 'app[1]*:' });
  assert.equal(odd.keys, 7);
});

test('command stats diff: commands per request and per command, sampler INFO excluded', async () => {
  await redis.client.flushall();
  const before = await sampleCommandStats(target());
  const requests = 25;
  for (let i = 0; i < requests; i++) {
    // What phpredis does per session request without locking: GET, then SETEX.
    await redis.client.get(sessionKey(`s${i}`));
    await redis.client.setex(sessionKey(`s${i}`), 1440, payload);
  }
  const afterSample = await sampleCommandStats(target());
  const diff = diffCommandStats(before, afterSample, { requests, durationMs: 2000 });
  assert.equal(diff.perCommand.get, requests);
  assert.equal(diff.perCommand.setex, requests);
  assert.equal(diff.perCommand.info, undefined);
  assert.equal(diff.totalCommands, 2 * requests);
  assert.equal(diff.commandsPerRequest, 2);
  assert.equal(diff.opsPerSec, 25); // 50 commands over the 2000 ms given
  assert.equal(diff.counterReset, false);
  const noRequests = diffCommandStats(before, afterSample, { requests: 0 });
  assert.equal(noRequests.commandsPerRequest, null);
  // Without a duration given, the two samples' own times bound it.
  assert.equal(noRequests.durationMs, afterSample.takenAtMs - before.takenAtMs);
  assert.equal(noRequests.opsPerSec, noRequests.durationMs > 0 ? (2 * requests * 1000) / noRequests.durationMs : 0);

  await redis.client.config('RESETSTAT');
  await redis.client.get('x');
  const reset = diffCommandStats(afterSample, await sampleCommandStats(target()), { requests: 1, durationMs: 1000 });
  assert.equal(reset.counterReset, true);
  assert.equal(reset.perCommand.get, 1);
});

test('TTL refresh: passes when a request rewrites the key, fails when it does not', async () => {
  await redis.client.flushall();
  const key = sessionKey('refresh');
  await redis.client.set(key, payload, 'EX', 1440);
  const refreshed = await checkTtlRefreshedByUse(target(), {
    key,
    expectedTtlS: 1440,
    touch: () => redis.client.set(key, payload, 'EX', 1440),
  });
  assert.equal(refreshed.passed, true, refreshed.message);
  assert.ok(refreshed.ttlBeforeTouchMs !== null && refreshed.ttlAfterTouchMs! > refreshed.ttlBeforeTouchMs);

  const stale = await checkTtlRefreshedByUse(target(), { key, expectedTtlS: 1440, touch: () => redis.client.get(key) });
  assert.equal(stale.passed, false);
  assert.match(stale.message, /not refreshed/);

  await redis.client.set(sessionKey('forever'), payload);
  const forever = await checkTtlRefreshedByUse(target(), { key: sessionKey('forever'), expectedTtlS: 1440, touch: async () => {} });
  assert.equal(forever.passed, false);
  assert.match(forever.message, /no TTL/);
});

test('an unreachable Redis is a RedisInspectError', async () => {
  const closed = await freePort();
  await assert.rejects(
    inspectSessions({ host: '127.0.0.1', port: closed }, { users: 1, expectedTtlS: 1440 }),
    (error: unknown) => error instanceof RedisInspectError && error.code === 'PSL_REDIS_INSPECT',
  );
});
