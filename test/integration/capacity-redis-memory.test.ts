/**
 * The capacity plan's Redis memory figure against the real thing: sessions of the scenario's
 * payload and serializer are written by the real app (php-cli running harness/php-app/index.php
 * through phpredis) into a redis-server started here; bytes per session are measured the way a
 * capacity run does (used_memory growth over 10,000 copies); the formula's figure for 100,000
 * sessions is then compared with used_memory after really writing 100,000 sessions (pipelined).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { useRedisServer } from '../helpers/redis-server.js';
import { projectRoot } from '../../harness/util/project-root.js';
import { loadScenarioModule } from '../../harness/scenario/scenario-loader.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { measureBytesPerSession, sampleSessions, sessionMemoryBytes, usedMemory } from '../../harness/capacity/session-memory.js';
import { DEFAULT_SESSION_PREFIX } from '../../harness/redis-inspect/index.js';
import { seededRandom } from '../../harness/workload/seeded-random.js';

const run = promisify(execFile);
const redis = useRedisServer();
const SESSIONS = 100_000;

/** One visit of the real app in php-cli, its session in the test's Redis; returns the session id. */
async function visit(port: number, serializer: string, payload: string, gcS: number, query: string, sid?: string): Promise<string> {
  const code = `parse_str($argv[1], $_GET); if ($argv[3] !== '') session_id($argv[3]); require $argv[2];`;
  const { stdout } = await run(
    'php',
    [
      '-d', 'session.save_handler=redis',
      '-d', `session.save_path=tcp://127.0.0.1:${port}`,
      '-d', `session.serialize_handler=${serializer}`,
      '-d', `session.gc_maxlifetime=${gcS}`,
      '-d', 'session.use_cookies=0',
      '-d', 'session.use_strict_mode=0',
      '-r', code, query, join(projectRoot, 'harness', 'php-app', 'index.php'), sid ?? '',
    ],
    { env: { ...process.env, SESSION_PAYLOAD: payload } },
  );
  const answer = JSON.parse(stdout) as { sid: string; written: boolean };
  assert.equal(answer.written, true, stdout);
  return answer.sid;
}

test('Redis memory for 100,000 sessions: the formula within 10% of used_memory after writing them', { timeout: 180_000 }, async () => {
  const { scenario } = validateScenario(await loadScenarioModule('redis-failover'), 'redis-failover');
  const serializer = scenario.topology.serializer;
  const payload = scenario.topology.sessionPayload;
  const gcS = Number(scenario.topology.phpIni['session.gc_maxlifetime'] ?? 1440);
  const random = seededRandom(7);
  // 30 users of the scenario's app: each stores its token, then visits a few more times.
  for (let i = 1; i <= 30; i++) {
    const token = `t${i}-${Math.floor(random() * 2 ** 32).toString(36)}`;
    const sid = await visit(redis.port, serializer, payload, gcS, `user=u${i}&set=${token}`);
    for (let v = 0; v < (i % 4); v++) await visit(redis.port, serializer, payload, gcS, `user=u${i}`, sid);
  }
  const samples = await sampleSessions(redis.client, DEFAULT_SESSION_PREFIX, 200);
  assert.equal(samples.length, 30, 'one key per user');
  assert.match(samples[0]!.value.toString('latin1'), /visit_count\|i:\d+;user\|s:\d+:"u\d+";variableString\|s:\d+:"t\d+-/);

  // What a capacity run measures, then the plan's figure for 100,000 sessions.
  const measured = await measureBytesPerSession(redis.client, samples, { count: 10_000, ttlS: gcS });
  const predictedGrowth = sessionMemoryBytes(SESSIONS, measured.bytes);

  // Now really store 100,000 sessions: PHP-like ids (26 chars of [0-9a-v]), the sampled values, TTL gc_maxlifetime.
  const before = await usedMemory(redis.client);
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  for (let from = 0; from < SESSIONS; from += 2000) {
    const pipe = redis.client.pipeline();
    for (let i = from; i < from + 2000; i++) {
      let sid = '';
      for (let c = 0; c < 26; c++) sid += alphabet[Math.floor(random() * 32)];
      pipe.set(`${DEFAULT_SESSION_PREFIX}${sid}`, samples[i % samples.length]!.value, 'EX', gcS);
    }
    await pipe.exec();
  }
  await new Promise((r) => setTimeout(r, 500)); // incremental rehash settles
  const after = await usedMemory(redis.client);
  assert.equal(await redis.client.dbsize(), SESSIONS + 30);
  const realGrowth = after - before;
  const predictedTotal = before + predictedGrowth;
  const line = `bytes/session ${measured.bytes.toFixed(1)} (MEMORY USAGE ${measured.memoryUsageOfOne}); predicted growth ${predictedGrowth}, real ${realGrowth}; predicted used_memory ${predictedTotal}, real ${after}`;
  console.log(line);
  assert.ok(Math.abs(predictedGrowth - realGrowth) / realGrowth <= 0.1, line);
  assert.ok(Math.abs(predictedTotal - after) / after <= 0.1, line);
});
