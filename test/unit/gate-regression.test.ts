import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../harness/errors.js';
import { compareToBaselines, parseMaxRegression, worseWhen } from '../../harness/gate/regression.js';
import { makeResult } from '../fixtures/results/make-result.js';

test('parseMaxRegression reads key=N% lists into fractions', () => {
  assert.deepEqual(parseMaxRegression('p99=10%,rps=5%'), { p99: 0.1, rps: 0.05 });
  assert.deepEqual(parseMaxRegression(' p50 = 2.5% , session_loss_rate=0% '), { p50: 0.025, session_loss_rate: 0 });
  assert.equal(worseWhen.rps, 'lower');
  assert.equal(worseWhen.p99, 'higher');
  assert.equal(worseWhen.error_rate, 'higher');
});

test('parseMaxRegression rejects bad lists naming the part and the fix', () => {
  const cases: Array<[string, RegExp]> = [
    ['p99=10', /"p99=10" is not key=N%/],
    ['p98=10%', /unknown key "p98"/],
    ['p99=10%,p99=5%', /"p99" is given twice/],
    ['', /is empty/],
    ['p99:10%', /"p99:10%" is not key=N%/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseMaxRegression(text), (e: unknown) => e instanceof InvalidInputError && message.test(e.message) && /--max-regression p99=10%,rps=5%/.test(e.message));
  }
});

const byKey = (checks: ReturnType<typeof compareToBaselines>) => Object.fromEntries(checks.map((c) => [c.metric, c]));

test('one baseline: fails when the relative change is worse than allowed, in the right direction', () => {
  const baseline = makeResult({ p99: 200, rps: 1000 });
  const allowed = parseMaxRegression('p99=10%,rps=5%');
  let checks = byKey(compareToBaselines(makeResult({ p99: 219, rps: 951 }), [baseline], allowed));
  assert.equal(checks.p99!.passed, true);
  assert.equal(checks.rps!.passed, true);
  assert.equal(checks.p99!.limit, 220);
  assert.equal(checks.rps!.limit, 950);
  checks = byKey(compareToBaselines(makeResult({ p99: 221, rps: 949 }), [baseline], allowed));
  assert.equal(checks.p99!.passed, false);
  assert.match(checks.p99!.message, /^p99 221ms \(\+10\.5% vs baseline median 200ms\); worse than the allowed ≤ 220ms/);
  assert.equal(checks.rps!.passed, false);
  assert.match(checks.rps!.message, /^rps 949\/s/);
  // Improvements never fail: lower latency, higher throughput.
  checks = byKey(compareToBaselines(makeResult({ p99: 100, rps: 2000 }), [baseline], allowed));
  assert.equal(checks.p99!.passed, true);
  assert.equal(checks.rps!.passed, true);
});

test('several baselines: a change inside their spread passes, a real regression fails naming the metric', () => {
  const baselines = [makeResult({ p99: 230, rps: 1000 }), makeResult({ p99: 250, rps: 960 }), makeResult({ p99: 240, rps: 1040 })];
  const allowed = parseMaxRegression('p99=5%,rps=5%');
  // 260ms is +8% over the median (240) but within max(250) +5% = 262.5: noise, not a regression.
  const noisy = byKey(compareToBaselines(makeResult({ p99: 260, rps: 920 }), baselines, allowed));
  assert.equal(noisy.p99!.passed, true);
  assert.equal(noisy.p99!.baseline, 240);
  assert.equal(noisy.p99!.limit, 262.5);
  assert.equal(noisy.rps!.passed, true, '920 >= min(960) * 0.95 = 912');
  // With only the median run as baseline the same value is a regression.
  assert.equal(byKey(compareToBaselines(makeResult({ p99: 260 }), [baselines[2]!], allowed)).p99!.passed, false);
  const slow = byKey(compareToBaselines(makeResult({ p99: 300, rps: 900 }), baselines, allowed));
  assert.equal(slow.p99!.passed, false);
  assert.match(slow.p99!.message, /^p99 300ms .*max of 3 baselines 250ms \+5%/);
  assert.equal(slow.rps!.passed, false);
  assert.match(slow.rps!.display.baseline, /n=3, 960\/s\.\.1040\/s/);
});

test('rates: a zero baseline allows no new errors; unmeasurable values are unknown', () => {
  const baseline = makeResult({ errors: 0 });
  const withErrors = byKey(compareToBaselines(makeResult({ errors: 5 }), [baseline], parseMaxRegression('error_rate=50%')));
  assert.equal(withErrors.error_rate!.passed, false);
  const empty = byKey(compareToBaselines(makeResult({ rps: 0 }), [baseline], parseMaxRegression('p99=10%,error_rate=10%')));
  assert.equal(empty.p99!.passed, null);
  assert.equal(empty.error_rate!.passed, null);
  assert.match(empty.p99!.message, /unknown/);
});

test('only the keys given are checked', () => {
  const checks = compareToBaselines(makeResult(), [makeResult()], parseMaxRegression('anomaly_rate=1%'));
  assert.deepEqual(checks.map((c) => [c.metric, c.kind, c.source]), [['anomaly_rate', 'regression', 'baseline']]);
});
