/**
 * Redis's INFO counters as an evidence source, on a real redis-server: writes refused for lack
 * of memory, connections refused at maxclients and keys evicted under maxmemory become events
 * whose counts are exactly what Redis counted; a Redis that never answered is unreadable, not quiet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { useRedisServer } from '../helpers/redis-server.js';
import { RedisInfoSampler, REDIS_INFO_INTERVAL_MS } from '../../harness/evidence/redis-info-sampler.js';
import { parseLog } from '../../harness/evidence/parse-log.js';
import { freePort } from '../../harness/topology/free-port.js';
import { weight } from '../../harness/evidence/tie-evidence.js';

const redis = useRedisServer();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('OOM refusals, rejected connections and evictions are counted as Redis counted them', async () => {
  const { client, port } = redis;
  const sampler = new RedisInfoSampler('redis', { host: '127.0.0.1', port });
  sampler.start();
  try {
    await sleep(REDIS_INFO_INTERVAL_MS + 200);
    // noeviction at a limit below what is used: every write is refused with OOM.
    await client.mset(...Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'x'.repeat(200)]).flat());
    const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))![1]);
    await client.config('SET', 'maxmemory-policy', 'noeviction');
    await client.config('SET', 'maxmemory', String(used - 100_000));
    let refused = 0;
    for (let i = 0; i < 25; i++) await client.set(`new${i}`, 'v').catch((e: Error) => (/OOM/.test(e.message) ? refused++ : Promise.reject(e)));
    assert.equal(refused, 25);
    // maxclients: this client and the sampler's are in; one more is refused.
    await client.config('SET', 'maxclients', '2');
    const extra = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    extra.on('error', () => {});
    await extra.connect().then(() => extra.ping()).catch(() => 'refused');
    extra.disconnect();
    await client.config('SET', 'maxclients', '10000');
    // allkeys-lru: the next writes push keys out.
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    for (let i = 0; i < 50; i++) await client.set(`lru${i}`, 'y'.repeat(4000));
    const evicted = Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))![1]);
    assert.ok(evicted > 0);
    await sleep(REDIS_INFO_INTERVAL_MS + 200);
  } finally {
    await sampler.stop();
    await client.config('SET', 'maxmemory', '0');
  }
  const text = await sampler.read();
  const parsed = parseLog(sampler, text);
  const total = (kind: string) => parsed.events.filter((e) => e.kind === kind).reduce((n, e) => n + weight(e), 0);
  assert.equal(total('redis-oom'), 25, text);
  assert.equal(total('redis-connection-rejected'), 1, text);
  assert.equal(total('redis-evicted'), Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))![1]), text);
  assert.equal(parsed.untimed, 0);
  for (const e of parsed.events) assert.ok(Math.abs(e.atMs - Date.now()) < 60_000);
});

test('a Redis that never answered: the source is unreadable, never empty', async () => {
  const sampler = new RedisInfoSampler('redis', { host: '127.0.0.1', port: await freePort() });
  sampler.start();
  await sleep(300);
  await sampler.stop();
  await assert.rejects(sampler.read(), /no INFO sample succeeded/);
});
