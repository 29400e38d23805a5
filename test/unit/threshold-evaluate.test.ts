import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseThresholdExpression } from '../../harness/thresholds/threshold-expression.js';
import { evaluateLive, evaluateThresholds, type LiveSnapshot } from '../../harness/thresholds/threshold-evaluate.js';
import { InvalidInputError } from '../../harness/errors.js';
import { makeResult } from '../fixtures/results/make-result.js';

const verdict = (result: ReturnType<typeof makeResult>, metric: string, expression: string) => {
  const [r] = evaluateThresholds(result, { [metric]: [expression] }, 'scenario');
  return r!;
};

test('latency: percentiles from the spectrum, stats from the summary, true and false', () => {
  const result = makeResult({ p99: 240 });
  assert.deepEqual(
    { ...verdict(result, 'latency', 'p(99)<250') },
    { metric: 'latency', expression: 'p(99)<250', actual: 240, passed: true, source: 'scenario', message: 'p(99)=240ms, limit <250ms' },
  );
  assert.equal(verdict(result, 'latency', 'p(99)<240').passed, false);
  assert.equal(verdict(result, 'latency', 'p(99)<=240').passed, true);
  assert.equal(verdict(result, 'latency', 'p(75)<100').actual, 84); // 0.35 * 240 from the spectrum
  assert.equal(verdict(result, 'latency', 'max<1s').actual, 480);
  assert.equal(verdict(result, 'latency', 'avg<100').actual, 60);
  assert.equal(verdict(result, 'latency', 'med<100').actual, 48);
  assert.equal(verdict(result, 'latency', 'min>1').passed, true);
});

test('latency: a percentile the result lacks is unknown, the summary percentiles still work', () => {
  const result = makeResult({ p99: 240, noSpectrum: true });
  const p97 = verdict(result, 'latency', 'p(97)<250');
  assert.equal(p97.passed, null);
  assert.equal(p97.actual, null);
  assert.match(p97.message!, /no p\(97\)/);
  assert.equal(verdict(result, 'latency', 'p(99.9)<1000').actual, 360);
  assert.equal(verdict(result, 'latency', 'p(75)<1000').passed, null);
});

test('rates and counts from requests, outcomes and sessions', () => {
  const result = makeResult({ rps: 1000, durationMs: 10_000, errors: 10, reset: 20, stale: 5, ahead: 3, leak: 2, users: 100, lostUsers: 4 });
  assert.equal(verdict(result, 'error_rate', 'rate<0.01').actual, 10 / 10_000);
  assert.equal(verdict(result, 'error_rate', 'rate<0.001').passed, false);
  // answers = total - errors; anomalies = reset + stale + ahead + leak
  assert.equal(verdict(result, 'anomaly_rate', 'rate<0.01').actual, 30 / 9990);
  assert.equal(verdict(result, 'session_loss_rate', 'rate==0').actual, 0.04);
  assert.equal(verdict(result, 'session_loss_rate', 'rate==0').passed, false);
  assert.equal(verdict(result, 'leaks', 'count==0').actual, 2);
  assert.equal(verdict(result, 'leaks', 'count==0').passed, false);
  assert.equal(verdict(result, 'rps', 'value>999').passed, true);
  assert.equal(verdict(result, 'rps', 'avg>1000').passed, false);
});

test('recovery_time: max over faults; no faults is unknown; a fault that never recovered fails', () => {
  assert.equal(verdict(makeResult({ recoveryMs: [1000, 4000] }), 'recovery_time', 'max<5s').actual, 4000);
  assert.equal(verdict(makeResult({ recoveryMs: [1000, 6000] }), 'recovery_time', 'max<5s').passed, false);
  const none = verdict(makeResult({ recoveryMs: [] }), 'recovery_time', 'max<5s');
  assert.equal(none.passed, null);
  assert.match(none.message!, /no faults/);
  const never = verdict(makeResult({ recoveryMs: [1000, null] }), 'recovery_time', 'max<5s');
  assert.equal(never.passed, false);
  assert.equal(never.actual, null);
  assert.match(never.message!, /never recovered.*node-kill node-3/);
});

test('no requests at all: latency and error_rate are unknown, not passed', () => {
  const empty = makeResult({ rps: 0 });
  assert.equal(verdict(empty, 'latency', 'p(99)<250').passed, null);
  assert.equal(verdict(empty, 'error_rate', 'rate<0.01').passed, null);
  assert.equal(verdict(empty, 'anomaly_rate', 'rate<0.01').passed, null);
});

test('evaluates object entries, keeps order and source; a bad expression throws InvalidInputError', () => {
  const results = evaluateThresholds(
    makeResult(),
    { latency: [{ threshold: 'p(95)<500', abortOnFail: true }, 'p(99)<100'], leaks: ['count==0'] },
    'cli',
  );
  assert.deepEqual(results.map((r) => [r.metric, r.expression, r.passed, r.source]), [
    ['latency', 'p(95)<500', true, 'cli'],
    ['latency', 'p(99)<100', false, 'cli'],
    ['leaks', 'count==0', true, 'cli'],
  ]);
  assert.throws(() => evaluateThresholds(makeResult(), { latency: ['p(99)<<1'] }, 'cli'), InvalidInputError);
  assert.throws(() => evaluateThresholds(makeResult(), { bogus: ['count==0'] }, 'cli'), /unknown threshold metric "bogus"/);
});

const snapshot = (over: Partial<LiveSnapshot> = {}): LiveSnapshot => ({
  elapsedMs: 10_000,
  total: 1000,
  errors: 0,
  answers: 1000,
  anomalies: 0,
  leaks: 0,
  latency: { min: 1, max: 400, mean: 50, atPercentile: (p) => (p >= 99 ? 300 : 40) },
  ...over,
});
const live = (metric: Parameters<typeof evaluateLive>[0], text: string, s: LiveSnapshot, minRequests?: number) =>
  evaluateLive(metric, parseThresholdExpression(metric, text), s, minRequests === undefined ? {} : { minRequests });

test('evaluateLive judges a snapshot, waiting for enough requests unless the failure is final', () => {
  assert.equal(live('latency', 'p(99)<250', snapshot()).passed, false);
  assert.equal(live('latency', 'p(50)<250', snapshot()).passed, true);
  assert.equal(live('rps', 'value>50', snapshot()).actual, 100);
  const early = snapshot({ total: 5, errors: 1, answers: 4 });
  const rate = live('error_rate', 'rate<0.01', early);
  assert.equal(rate.passed, null, 'one early error must not abort');
  assert.equal(rate.actual, 0.2);
  assert.equal(live('error_rate', 'rate<0.01', early, 5).passed, false);
  assert.equal(live('leaks', 'count==0', snapshot({ total: 3, answers: 3, leaks: 1 })).passed, false, 'a leak is final');
  assert.equal(live('latency', 'max<300', snapshot({ total: 3, answers: 3 })).passed, false, 'max only grows');
  assert.equal(live('leaks', 'count>5', snapshot({ total: 3, answers: 3 })).passed, null, 'may still pass later');
  assert.equal(live('recovery_time', 'max<5s', snapshot()).passed, null);
  assert.equal(live('latency', 'p(99)<250', snapshot({ latency: undefined })).passed, null);
  assert.equal(live('session_loss_rate', 'rate==0', snapshot({ sessions: { judged: 10, lost: 1 } })).passed, false);
});

test('evidence:<kind> counts the log events of one kind; without an evidence section, or with a log that could hold it unread, it is unknown, never 0', () => {
  const base = makeResult({});
  const withEvidence = {
    ...base,
    evidence: {
      clock: 'same host',
      resolutionMs: 1000,
      sources: [],
      kinds: { 'session-write-failed': 3 },
      overall: [],
      perSecond: [],
      windows: [],
      lostUsers: [],
    },
  } as typeof base;
  const failed = verdict(withEvidence, 'evidence:session-write-failed', 'count==0');
  assert.equal(failed.passed, false);
  assert.equal(failed.actual, 3);
  // A kind the logs never showed: 0.
  assert.equal(verdict(withEvidence, 'evidence:lock-not-acquired', 'count==0').passed, true);
  const unknown = verdict(base, 'evidence:session-write-failed', 'count==0');
  assert.equal(unknown.passed, null);
  assert.match(unknown.message ?? '', /no evidence section/);
  // A log that could hold the kind was unreadable: the count is a lower bound, so unknown; a log
  // that cannot hold it (Redis's own log for a PHP session write) does not matter.
  const source = (component: string, format: string, status: string) => ({ component, format, origin: 'file', status, events: 0, untimed: 0, ...(status === 'unreadable' ? { error: 'EACCES' } : {}) });
  const partly = {
    ...withEvidence,
    evidence: { ...withEvidence.evidence!, kinds: {}, sources: [source('node-1', 'php-error', 'read'), source('node-2', 'php-error', 'unreadable'), source('redis', 'redis', 'unreadable')] },
  } as typeof base;
  const unread = verdict(partly, 'evidence:session-write-failed', 'count==0');
  assert.equal(unread.passed, null);
  assert.match(unread.message ?? '', /session-write-failed is logged where the run could not read: node-2 php-error \(EACCES\)/);
  assert.doesNotMatch(unread.message ?? '', /redis redis/);
  const elsewhere = { ...partly, evidence: { ...partly.evidence!, sources: [source('node-1', 'php-error', 'read'), source('redis', 'redis', 'unreadable')] } } as typeof base;
  assert.equal(verdict(elsewhere, 'evidence:session-write-failed', 'count==0').passed, true);
  // Only known kinds, only count.
  assert.throws(() => parseThresholdExpression('evidence:made-up', 'count==0'), InvalidInputError);
  assert.throws(() => parseThresholdExpression('evidence:session-write-failed', 'rate<0.1'), /count/);
});
