import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultSchema, type RunResult } from '../../harness/results/result-schema.js';
import { computeMedianResult } from '../../harness/results/median-result.js';
import { InvalidInputError } from '../../harness/errors.js';
import { makeResult } from '../fixtures/results/make-result.js';

test('medians of latency and throughput, timeline from the median-rps run, valid result', () => {
  const runs = [
    makeResult({ runId: 'a', p99: 300, rps: 900, errors: 9, recoveryMs: [4000] }),
    makeResult({ runId: 'b', p99: 200, rps: 1100, errors: 1, recoveryMs: [null] }),
    makeResult({ runId: 'c', p99: 250, rps: 1000, errors: 4, recoveryMs: [2000] }),
  ];
  runs[2]!.timeline[0]!.requests = 4242; // marks the median-rps run's timeline
  const median = computeMedianResult(runs);
  assert.equal(resultSchema.safeParse(median).success, true);
  assert.equal(median.runId, 'median-of-3');
  assert.equal(median.requests.rps, 1000);
  // Error counts are not medians: the worst run's (a: 9 errors in 9000 requests).
  assert.equal(median.requests.errors, 9);
  assert.equal(median.requests.total, 9000);
  assert.equal(median.latencyMs.p99, 250);
  assert.equal(median.latencyPercentiles.find((p) => p.percentile === 99)!.ms, 250);
  assert.equal(median.timeline[0]!.requests, 4242);
  assert.equal(median.recovery![0]!.fromStartMs, 4000, 'never-recovered counts as slowest');
  assert.equal(median.thresholds, undefined);
  const repeat = median.repeat!;
  assert.equal(repeat.runs, 3);
  assert.equal(repeat.timelineFrom, 'c');
  assert.equal(repeat.worstRun, 'a');
  assert.deepEqual(repeat.spread.p99, { min: 200, max: 300 });
  // inputs untouched
  assert.equal(runs[2]!.runId, 'c');
});

test('even N: counts are whole numbers; the timeline comes from the lower-middle run', () => {
  const median = computeMedianResult([makeResult({ runId: 'a', errors: 1, rps: 100 }), makeResult({ runId: 'b', errors: 2, rps: 200 })]);
  assert.ok(Number.isInteger(median.requests.errors));
  assert.equal(median.requests.rps, 150);
  assert.equal((median.repeat!).timelineFrom, 'a');
  assert.equal(resultSchema.safeParse(median).success, true);
});

test('refuses an empty list and mixed scenarios', () => {
  assert.throws(() => computeMedianResult([]), InvalidInputError);
  assert.throws(() => computeMedianResult([makeResult(), makeResult({ scenario: 'other', runId: 'o' })]), /run o is of scenario "other"/);
});

test('correctness from the worst run: one run of three that lost a user shows the loss', () => {
  const runs = [
    makeResult({ runId: 'a', rps: 900, users: 200 }),
    makeResult({ runId: 'b', rps: 1100, users: 200, lostUsers: 1, reset: 3, errors: 2 }),
    makeResult({ runId: 'c', rps: 1000, users: 200 }),
  ];
  runs[1]!.sessions.recovered = 4;
  runs[1]!.sessions.intact = 195;
  runs[1]!.anomalySamples = [{ t: 1200, user: 'u0042', outcome: 'reset', expected: 3, got: 1, node: 'node-2', status: 200 }];
  const folded = computeMedianResult(runs);
  assert.equal(resultSchema.safeParse(folded).success, true);
  // A median over 0, 1, 0 lost users would say 0.
  assert.deepEqual(folded.sessions, runs[1]!.sessions);
  assert.equal(folded.sessions.lost, 1);
  assert.equal(folded.sessions.lossRate, 1 / 200);
  assert.equal(folded.outcomes.reset, 3);
  assert.equal(folded.requests.errors, 2);
  assert.equal(folded.requests.timeouts, 2);
  assert.equal(folded.anomalySamples[0]!.user, 'u0042');
  // Throughput and latency are still medians, the timeline still from the median-rps run.
  assert.equal(folded.requests.rps, 1000);
  const repeat = folded.repeat!;
  assert.equal(repeat.worstRun, 'b');
  assert.equal(repeat.timelineFrom, 'c');
  assert.deepEqual(repeat.perRun.map((r) => r.lost), [0, 1, 0]);
});

test('worst run order: leaks, then loss rate, then lost users, then error rate; the median-rps run on a tie', () => {
  const pick = (runs: ReturnType<typeof makeResult>[]) => computeMedianResult(runs).repeat!.worstRun;
  // A leak beats losses and errors.
  assert.equal(pick([makeResult({ runId: 'lossy', lostUsers: 5, errors: 50 }), makeResult({ runId: 'leaky', leak: 1 }), makeResult({ runId: 'ok' })]), 'leaky');
  // Loss rate beats the count of lost users (fewer users judged).
  assert.equal(pick([makeResult({ runId: 'many', users: 500, lostUsers: 3 }), makeResult({ runId: 'rate', users: 100, lostUsers: 2 }), makeResult({ runId: 'ok' })]), 'rate');
  // The same loss rate: more lost users.
  assert.equal(pick([makeResult({ runId: 'one', users: 100, lostUsers: 1 }), makeResult({ runId: 'two', users: 200, lostUsers: 2 }), makeResult({ runId: 'ok' })]), 'two');
  // No loss: the highest error rate (not the most errors).
  assert.equal(pick([makeResult({ runId: 'count', rps: 2000, errors: 30 }), makeResult({ runId: 'rate', rps: 500, errors: 20 }), makeResult({ runId: 'ok', rps: 1000 })]), 'rate');
  // All equally clean: the median-rps run, whose figures the result carries anyway.
  assert.equal(pick([makeResult({ runId: 'x', rps: 900 }), makeResult({ runId: 'y', rps: 1000 }), makeResult({ runId: 'z', rps: 1100 })]), 'y');
});

function concurrencySection(lostUpdates: number): NonNullable<RunResult['concurrency']> {
  return {
    bursts: 100, burstSize: 10, determinateBursts: 100, ackedIncrements: 1000, lostUpdates, lostFlaggedUnsaved: 0, burstsWithLoss: lostUpdates ? 1 : 0,
    indeterminateIncrements: 0, timedOutIncrements: 0, indeterminateBursts: 0, indeterminateLostMin: 0, indeterminateLostMax: 0, unsavedIncrements: 0,
    excessIncrements: 0, lostUpdateRate: lostUpdates / 1000, lockErrors: 0, writeErrors: 0, lockWaitP99Ms: 0, burstLatencyP99Ms: 10, checkLatencyP50Ms: 5,
  };
}

test('the concurrency section comes from the worst run, and lost updates break a tie', () => {
  const runs = [makeResult({ runId: 'a', rps: 900 }), makeResult({ runId: 'b', rps: 1000 }), makeResult({ runId: 'c', rps: 1100 })];
  runs.forEach((r, i) => (r.concurrency = concurrencySection([0, 0, 7][i]!)));
  const folded = computeMedianResult(runs);
  assert.deepEqual(folded.concurrency, runs[2]!.concurrency);
  assert.equal((folded.repeat!).worstRun, 'c');
  // A leak elsewhere decides first: its run's section, whatever its lost updates.
  runs[0]!.outcomes.leak = 1;
  runs[0]!.outcomes.ok -= 1;
  assert.deepEqual(computeMedianResult(runs).concurrency, runs[0]!.concurrency);
});
