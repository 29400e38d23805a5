/**
 * Faults as production has them, on the real stack through the CLI (issue: production faults):
 * a hung node, a hung Redis with phpredis's own timeouts and with explicit ones, a Redis that
 * crashes without and with persistence, memory pressure under an evicting policy and under
 * noeviction, links refused and blackholed. Durations are compared with the fault windows the
 * run itself measured, never with absolute figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenarioCli } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

async function run(name: string, args: string[]): Promise<{ result: RunResult; code: number | null }> {
  const { result, cli } = await runScenarioCli(name, args);
  return { result, code: cli.code };
}

/** The fault's window as the run measured it: from the completed apply to the completed heal. */
function held(r: RunResult, type: string, index = 0): { from: number; to: number } {
  const f = r.faults.filter((x) => x.type === type)[index];
  assert.ok(f, `no ${type} fault in the result`);
  assert.equal(f.status, 'applied', `${type}: ${f.error ?? ''}`);
  assert.ok(f.appliedAtMs !== undefined && f.healedAtMs !== undefined, `${type} not applied and healed: ${JSON.stringify(f)}`);
  return { from: f.appliedAtMs, to: f.healedAtMs };
}

const secondsOf = (r: RunResult, w: { from: number; to: number }) => r.timeline.filter((p) => p.t * 1000 >= w.from && (p.t + 1) * 1000 <= w.to);
const sum = (points: RunResult['timeline'], f: (p: RunResult['timeline'][number]) => number) => points.reduce((n, p) => n + f(p), 0);

test('node-hang: the balancer waits on a stopped node, users see timeouts during the hang, no session is lost', async () => {
  const { result: r, code } = await run('node-hang', ['--duration', '14s', '--users', '200']);
  const w = held(r, 'node-hang');
  const during = secondsOf(r, w);
  assert.ok(during.length >= 3, `hang of ${w.to - w.from} ms`);
  assert.ok(r.requests.timeouts > 0, 'no request timed out while node-2 hung');
  assert.ok(sum(during, (p) => p.errors) > 0, 'no errors inside the hang window');
  assert.equal(sum(r.timeline.filter((p) => (p.t + 1) * 1000 <= w.from && p.t >= 1), (p) => p.errors), 0, 'errors before the hang');
  // The hung node answered nothing while stopped.
  assert.equal(sum(during.slice(1), (p) => p.nodes['node-2'] ?? 0), 0, 'node-2 answered while stopped');
  assert.equal(r.sessions.lost, 0, `lost ${r.sessions.lost}`);
  assert.equal(r.outcomes.leak, 0);
  assert.equal(code, 0, `exit ${code}: ${JSON.stringify(r.verdict)}`);
});

test('redis-hang: phpredis default timeouts wait the stall out; explicit 1 s timeouts fail fast; sessions survive either way', async () => {
  const stock = (await run('redis-hang', ['--duration', '12s'])).result;
  const fast = (await run('redis-hang', ['--duration', '12s', '--redis-timeout', '1'])).result;
  for (const r of [stock, fast]) {
    assert.equal(r.sessions.lost, 0, `${r.runId}: lost ${r.sessions.lost}`);
    assert.equal(r.sessions.unknown, 0, `${r.runId}: final reads failed`);
    assert.equal(r.outcomes.leak, 0);
  }
  const hang = held(stock, 'redis-hang');
  const hangMs = hang.to - hang.from;
  // Default: a worker blocked on Redis waits for the whole stall (or its client gives up).
  assert.ok(stock.latencyMs.max >= 0.75 * hangMs || stock.requests.timeouts > 0, `default timeouts: max ${stock.latencyMs.max} ms for a ${hangMs} ms hang`);
  // Explicit: each wait is bounded by read_timeout=1: unsaved answers or errors, no wait as long
  // as the stall. The typical answer inside the stall says so (about one read timeout); the
  // slowest does not, as answers queued behind busy workers add their waits (3 s was seen for a
  // 4 s stall on a busy machine).
  const fastHang = held(fast, 'redis-hang');
  const fastHangMs = fastHang.to - fastHang.from;
  const failed = fast.outcomes.unsaved + fast.requests.errors;
  assert.ok(failed > 0, 'explicit timeouts: no unsaved answer nor error during the stall');
  const p50s = secondsOf(fast, fastHang).filter((p) => p.requests > 0).map((p) => p.p50).sort((a, b) => a - b);
  assert.ok(p50s.length >= 2, `explicit timeouts: ${p50s.length} seconds with answers inside a ${fastHangMs} ms hang`);
  const typical = p50s[Math.floor(p50s.length / 2)]!;
  assert.ok(typical < 0.5 * fastHangMs, `explicit timeouts: answers inside the stall took ${typical} ms (median of the per-second p50s ${p50s.join(', ')}) for a ${fastHangMs} ms hang`);
  assert.ok(fast.latencyMs.max < stock.latencyMs.max, `explicit ${fast.latencyMs.max} ms vs default ${stock.latencyMs.max} ms`);
});

test('redis-restart: a crash without persistence loses nearly every session, with aof nearly none', async () => {
  const none = (await run('redis-restart', ['--duration', '12s'])).result;
  const aof = (await run('redis-restart', ['--duration', '12s', '--redis-persistence', 'aof'])).result;
  for (const r of [none, aof]) held(r, 'redis-restart');
  const withSession = (r: RunResult) => r.sessions.users - r.sessions.unserved;
  assert.ok(none.sessions.lost > 0.9 * withSession(none), `persistence none: lost ${none.sessions.lost} of ${withSession(none)}`);
  assert.ok(none.outcomes.reset > 0, 'persistence none: no reset after the restart');
  assert.ok(aof.sessions.lost < 0.02 * withSession(aof), `persistence aof: lost ${aof.sessions.lost} of ${withSession(aof)}`);
  // The store itself agrees: what Redis holds after the restart is what the users were told.
  assert.equal(aof.redis?.storeCheck?.disagreeByField.token, 0, JSON.stringify(aof.redis?.storeCheck?.samples));
});

test('redis-eviction: volatile-lru evicts sessions (resets), noeviction refuses writes (errors), both counted from Redis', async () => {
  const { result: r } = await run('redis-eviction', ['--duration', '20s']);
  const [lru, noevict] = r.faults;
  assert.equal(lru?.status, 'applied', lru?.error);
  assert.equal(noevict?.status, 'applied', noevict?.error);
  assert.ok(Number(lru!.observed?.evictedKeys) > 0, `volatile-lru evicted nothing: ${JSON.stringify(lru!.observed)}`);
  assert.equal(Number(noevict!.observed?.evictedKeys), 0, `noeviction evicted: ${JSON.stringify(noevict!.observed)}`);
  assert.ok(Number(noevict!.observed?.oomRejections) > 0, `noeviction refused nothing: ${JSON.stringify(noevict!.observed)}`);
  assert.ok((r.redis?.evictedKeys ?? 0) > 0 && (r.redis?.oomRejections ?? 0) > 0, JSON.stringify({ evicted: r.redis?.evictedKeys, oom: r.redis?.oomRejections }));
  const lruSeconds = secondsOf(r, held(r, 'redis-memory-pressure', 0));
  const noevictSeconds = secondsOf(r, held(r, 'redis-memory-pressure', 1));
  assert.ok(sum(lruSeconds, (p) => p.outcomes.reset) > 0, 'no reset while sessions were evicted');
  // phpredis 5.3.7 throws the OOM reply out of session_write_close(): a 500 (an app that caught it would answer unsaved).
  assert.ok(sum(noevictSeconds, (p) => p.outcomes.unsaved + p.errors) > 0, 'no failed answer while writes were refused');
  assert.equal(sum(noevictSeconds, (p) => p.outcomes.reset), 0, 'resets while nothing was evicted');
  assert.ok(r.sessions.lost > 0, 'evicted sessions should be lost for their users');
  assert.equal(r.outcomes.leak, 0);
});

test('refuse vs blackhole: refused links fail fast, blackholed ones make every request wait for a timeout', async () => {
  const { result: r } = await run('refuse-vs-blackhole', ['--duration', '32s', '--users', '200']);
  assert.deepEqual(r.faults.map((f) => `${f.type}:${f.params?.mode}:${f.status}`), [
    'node-partition:refuse:applied',
    'node-partition:blackhole:applied',
    'redis-down:refuse:applied',
    'redis-down:blackhole:applied',
  ]);
  const [nodeRefused, , redisRefused, redisBlackholed] = r.steps!;
  const windows = r.faults.map((f) => ({ from: f.appliedAtMs!, to: f.healedAtMs! }));
  const before = r.timeline.filter((p) => p.t >= 1 && (p.t + 1) * 1000 <= windows[0]!.from).map((p) => p.requests);
  const typical = [...before].sort((x, y) => x - y)[Math.floor(before.length / 2)]!;
  const slowestSecond = (w: { from: number; to: number }) => Math.min(...secondsOf(r, w).map((p) => p.requests));
  // node-2 refused: nginx retries on another node at once: no error, the traffic goes on.
  assert.equal(nodeRefused!.errors, 0, 'errors while node-2 refused connections');
  assert.ok(slowestSecond(windows[0]!) > 0.3 * typical, `node-2 refused: a second with ${slowestSecond(windows[0]!)} answers (typical ${typical})`);
  // Blackholed: every connection to it waits the balancer's read timeout: the answers stall.
  assert.ok(slowestSecond(windows[1]!) < 0.1 * typical, `node-2 blackholed: the slowest second still had ${slowestSecond(windows[1]!)} answers (typical ${typical})`);
  // Redis refused: session_start fails at once (unsaved); blackholed: each request waits phpredis's 2 s read timeout first.
  assert.ok(redisRefused!.anomalies > 0, 'no unsaved answer while Redis refused connections');
  assert.ok(redisBlackholed!.p50 > 10 * redisRefused!.p50, `Redis p50 refused ${redisRefused!.p50} ms, blackholed ${redisBlackholed!.p50} ms`);
  assert.ok(redisBlackholed!.errors + redisBlackholed!.anomalies > 0, 'the Redis blackhole left no trace in the answers');
  assert.equal(r.outcomes.leak, 0);
});
