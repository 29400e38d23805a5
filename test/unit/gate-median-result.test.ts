import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultSchema } from '../../harness/results/result-schema.js';
import { computeMedianResult, type RepeatSummary } from '../../harness/gate/median-result.js';
import { InvalidInputError } from '../../harness/errors.js';
import { makeResult } from '../fixtures/results/make-result.js';

test('medians of summary fields, timeline from the median-rps run, valid result', () => {
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
  assert.equal(median.requests.errors, 4);
  assert.equal(median.latencyMs.p99, 250);
  assert.equal(median.latencyPercentiles.find((p) => p.percentile === 99)!.ms, 250);
  assert.equal(median.timeline[0]!.requests, 4242);
  assert.equal(median.recovery![0]!.fromStartMs, 4000, 'never-recovered counts as slowest');
  assert.equal(median.thresholds, undefined);
  const repeat = median.repeat as RepeatSummary;
  assert.equal(repeat.runs, 3);
  assert.equal(repeat.timelineFrom, 'c');
  assert.deepEqual(repeat.spread.p99, { min: 200, max: 300 });
  // inputs untouched
  assert.equal(runs[2]!.runId, 'c');
});

test('even N: counts are whole numbers; the timeline comes from the lower-middle run', () => {
  const median = computeMedianResult([makeResult({ runId: 'a', errors: 1, rps: 100 }), makeResult({ runId: 'b', errors: 2, rps: 200 })]);
  assert.ok(Number.isInteger(median.requests.errors));
  assert.equal(median.requests.rps, 150);
  assert.equal((median.repeat as RepeatSummary).timelineFrom, 'a');
  assert.equal(resultSchema.safeParse(median).success, true);
});

test('refuses an empty list and mixed scenarios', () => {
  assert.throws(() => computeMedianResult([]), InvalidInputError);
  assert.throws(() => computeMedianResult([makeResult(), makeResult({ scenario: 'other', runId: 'o' })]), /run o is of scenario "other"/);
});
