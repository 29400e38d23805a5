/** Faults through the Toxiproxy API and concurrency, on the real stack, checked on result.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenarioCli } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import type { ConcurrencySection } from '../../harness/probes/concurrency-section.js';
import { compareWithVerdict } from '../../harness/redis-inspect/store-check.js';

async function run(name: string, args: string[]): Promise<RunResult> {
  return (await runScenarioCli(name, args)).result;
}

test('redis-outage: 200s with empty sessions during the outage, sessions back after it', async () => {
  const r = await run('redis-outage', ['--duration', '16s', '--users', '150', '--connections', '12']);
  const fault = r.faults[0]!;
  assert.equal(fault.type, 'redis-down');
  assert.ok(fault.endMs - fault.startMs >= 4500, `outage window ${fault.startMs}..${fault.endMs}`);
  const inside = r.timeline.filter((p) => p.t * 1000 >= fault.startMs + 1000 && (p.t + 1) * 1000 <= fault.endMs);
  const before = r.timeline.filter((p) => (p.t + 1) * 1000 <= fault.startMs && p.t >= 1);
  assert.ok(inside.length >= 3);
  // During: answers keep coming (mostly 200) but the session could not be started: the app
  // says so, and the checker counts them as unsaved (never ok, and not a reset either).
  const unsaved = inside.reduce((n, p) => n + p.outcomes.unsaved, 0);
  assert.ok(unsaved > 0, 'no unsaved answers during the outage');
  assert.ok(unsaved > inside.reduce((n, p) => n + p.outcomes.ok, 0), 'ok answers while Redis was down');
  assert.equal(before.reduce((n, p) => n + p.anomalies + p.errors, 0), 0, 'anomalies before the fault');
  // After: the sessions were still in Redis, so users come back, judged by their final read.
  assert.ok(r.sessions.recovered > 0, 'nobody recovered');
  assert.ok(r.sessions.lost / r.sessions.users < 0.1, `lost ${r.sessions.lost}`);
  assert.equal(r.sessions.unknown, 0, 'final reads failed');
  assert.equal(r.sessions.users - r.sessions.unserved, 150, 'users not judged');
  assert.equal(r.outcomes.leak, 0);
  assert.equal(r.verdict?.status, 'passed', JSON.stringify(r.verdict));
  const redis = r.redis!;
  assert.equal(redis.keys, 150);
  assert.equal(redis.ttlCheck.passed, true);
  // The store's own view (every key read and decoded) agrees with the HTTP verdict for every judged user.
  const store = redis.storeCheck!;
  assert.equal(store.status, 'checked');
  assert.equal(store.checked, 150);
  assert.equal(store.undecodable, 0);
  const comparison = compareWithVerdict(store, r.sessions);
  assert.equal(comparison.status, 'agrees', comparison.statement);
  assert.equal(comparison.compared, r.sessions.intact + r.sessions.recovered + r.sessions.lost);
});

test('redis-latency: the p50 grows with the injected Redis latency', async () => {
  const r = await run('redis-latency', ['--duration', '25s']);
  const steps = r.steps!;
  assert.deepEqual(steps.map((s) => s.label), ['0 ms', '1 ms', '5 ms', '20 ms', '50 ms']);
  const base = steps[0]!;
  const worst = steps[4]!;
  assert.ok(worst.requests > 0 && base.requests > 0);
  // At least one Redis round trip of 50 ms is added to the median request.
  assert.ok(worst.p50 >= base.p50 + 45, `p50 ${base.p50} -> ${worst.p50}`);
  assert.ok(steps[3]!.p50 >= base.p50 + 18, `p50 at 20 ms: ${steps[3]!.p50}`);
  assert.equal(r.faults.length, 4);
  assert.ok(r.faults.every((f) => f.status === 'applied' && f.healedAtMs !== undefined), 'a latency step did not apply or heal');
  assert.equal(r.sessions.lost, 0);
  assert.equal(r.sessions.unknown, 0);
  assert.equal(r.sessions.intact, r.sessions.users, 'latency alone should leave every user intact');
});

test('concurrent-writes: redis without locking and with the default lock wait lose updates; tuned locking and files do not', async () => {
  const results: Record<string, ConcurrencySection> = {};
  for (const strategy of ['files', 'redis', 'redis-locking-default', 'redis-locking']) {
    const r = await run('concurrent-writes', ['--strategy', strategy, '--duration', '8s']);
    results[strategy] = r.concurrency!;
    assert.ok(results[strategy]!.bursts > 10, `${strategy}: only ${results[strategy]!.bursts} bursts`);
  }
  assert.equal(results.files!.lostUpdates, 0, 'files (flock) lost updates');
  assert.ok(results.redis!.lostUpdates > 0, 'redis without locking lost nothing');
  assert.equal(results['redis-locking']!.lostUpdates, 0, 'tuned locking lost updates');
  // The default lock wait drops writes silently: answered 200, logged only by PHP.
  const defaults = results['redis-locking-default']!;
  assert.ok(defaults.lostUpdates > 0, 'redis-locking-default lost nothing');
  assert.ok(defaults.lockErrors > 0, 'no dropped write in the PHP logs');
  assert.equal(defaults.indeterminateIncrements, 0, 'the lost increments were answered 2xx');
  // ...and the app said so in its answers: they are unsaved, not ok.
  assert.ok(defaults.unsavedIncrements > 0, 'no increment answered written: false');
  assert.ok(defaults.lostFlaggedUnsaved > 0, 'no lost update was flagged by the app');
});
