import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyThresholds, repeatVerdict } from '../../harness/runner/finish-run.js';
import { computeMedianResult } from '../../harness/results/median-result.js';
import { makeResult } from '../fixtures/results/make-result.js';

const thresholds = { session_loss_rate: ['rate==0'], latency: ['p(99)<300'] };

test('every run has a verdict, with the built-in checks, even without thresholds', () => {
  const r = applyThresholds(makeResult({ recoveryMs: [] }));
  assert.equal(r.verdict?.status, 'passed');
  assert.deepEqual(r.thresholds?.results.map((t) => t.metric), ['users_judged', 'healthy_before_fault']);
});

test('an unhealthy stack before the first fault makes the run invalid, not a session-loss verdict', () => {
  const r = makeResult({});
  for (const p of r.timeline) if (p.t < 2) p.errors = p.requests; // fault at 2 s
  const judged = applyThresholds(r);
  assert.equal(judged.verdict?.status, 'invalid');
  assert.match(judged.verdict!.reasons[0]!, /healthy_before_fault .*the stack was not healthy/);
});

test('--repeat: one run that loses a session fails the repeat, whatever the median says', () => {
  const runs = [
    makeResult({ runId: 'a', thresholds, rps: 1000 }),
    makeResult({ runId: 'b', thresholds, rps: 1010, lostUsers: 3 }),
    makeResult({ runId: 'c', thresholds, rps: 990 }),
  ].map(applyThresholds);
  assert.deepEqual(runs.map((r) => r.verdict?.status), ['passed', 'failed', 'passed']);
  const folded = repeatVerdict(applyThresholds(computeMedianResult(runs)), runs);
  assert.equal(folded.verdict?.status, 'failed');
  assert.deepEqual(folded.verdict?.runs, [
    { runId: 'a', status: 'passed' },
    { runId: 'b', status: 'failed' },
    { runId: 'c', status: 'passed' },
  ]);
  const loss = folded.thresholds!.results.find((t) => t.metric === 'session_loss_rate')!;
  assert.equal(loss.passed, false);
  assert.match(loss.message!, /^run b: .*judged per run, worst of 3/);
  // Speed stays a median: latency judged on the folded result.
  const latency = folded.thresholds!.results.find((t) => t.metric === 'latency')!;
  assert.equal(latency.passed, true);
  assert.doesNotMatch(latency.message!, /judged per run/);
});

test('--repeat: a check unknown in one run is unknown for the repeat', () => {
  const runs = [makeResult({ runId: 'a', recoveryMs: [] }), makeResult({ runId: 'b', recoveryMs: [] })].map(applyThresholds);
  runs[1]!.thresholds!.results[1] = { ...runs[1]!.thresholds!.results[1]!, passed: null, actual: null, message: 'unknown: no request finished' };
  const folded = repeatVerdict(applyThresholds(computeMedianResult(runs)), runs);
  assert.equal(folded.verdict?.status, 'unknown');
});
