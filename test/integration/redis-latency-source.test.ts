/**
 * Redis's latency monitor as an evidence source, on a real redis-server: a command slower than
 * latency-monitor-threshold is read back through LATENCY HISTORY and parsed into a redis-slow
 * event at the second it happened.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRedisServer } from '../helpers/redis-server.js';
import { redisLatencySource } from '../../harness/evidence/redis-latency-source.js';
import { parseLog } from '../../harness/evidence/parse-log.js';

const redis = useRedisServer();

test('a command over the latency threshold becomes a redis-slow event at its second', async () => {
  const { client, port } = redis;
  const source = redisLatencySource('redis', { host: '127.0.0.1', port });
  // Nothing slow yet: an empty log, not an error.
  assert.equal(await source.read(), '');
  await client.call('CONFIG', 'SET', 'latency-monitor-threshold', '1');
  for (let i = 0; i < 10; i++) {
    const pairs = Array.from({ length: 10_000 }, (_, j) => [`k:${i}:${j}`, 'v']).flat();
    await client.mset(...pairs);
  }
  const before = Date.now();
  // KEYS over 100,000 keys takes well over a millisecond.
  await client.keys('*');
  const parsed = parseLog(source, await source.read());
  const slow = parsed.events.filter((e) => e.kind === 'redis-slow' && / command \d+ ms$/.test(e.line));
  assert.ok(slow.length > 0, JSON.stringify(parsed));
  assert.ok(slow.some((e) => Math.abs(e.atMs - before) <= 2000), `at ${slow.map((e) => e.atMs).join(', ')}, the command ran at ${before}`);
});
