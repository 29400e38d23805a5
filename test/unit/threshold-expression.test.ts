import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../harness/errors.js';
import { parseThresholdExpression, thresholdMetrics } from '../../harness/thresholds/threshold-expression.js';
import { scenarioSchema } from '../../harness/scenario/scenario-schema.js';

test('parses latency percentiles, stats and units into ms', () => {
  assert.deepEqual(parseThresholdExpression('latency', 'p(99)<250'), {
    metric: 'latency',
    text: 'p(99)<250',
    aggregation: 'p',
    percentile: 99,
    operator: '<',
    limit: 250,
    kind: 'ms',
  });
  const p999 = parseThresholdExpression('latency', ' p( 99.9 ) <= 1s ');
  assert.equal(p999.percentile, 99.9);
  assert.equal(p999.operator, '<=');
  assert.equal(p999.limit, 1000);
  assert.equal(parseThresholdExpression('latency', 'p(100)<2s').percentile, 100);
  assert.equal(parseThresholdExpression('latency', 'med<250ms').limit, 250);
  for (const agg of ['max', 'min', 'avg', 'med']) {
    assert.equal(parseThresholdExpression('latency', `${agg}>=10`).aggregation, agg);
  }
});

test('parses every operator and the other metrics', () => {
  for (const op of ['<', '<=', '>', '>=', '==', '!=']) {
    assert.equal(parseThresholdExpression('leaks', `count${op}0`).operator, op);
  }
  assert.equal(parseThresholdExpression('error_rate', 'rate<0.001').limit, 0.001);
  assert.equal(parseThresholdExpression('error_rate', 'rate<0.1%').limit, 0.001);
  assert.equal(parseThresholdExpression('session_loss_rate', 'rate==0').limit, 0);
  assert.equal(parseThresholdExpression('anomaly_rate', 'rate<=5%').limit, 0.05);
  assert.equal(parseThresholdExpression('rps', 'value>100').aggregation, 'value');
  assert.equal(parseThresholdExpression('rps', 'avg>=100').aggregation, 'avg');
  assert.equal(parseThresholdExpression('recovery_time', 'max<5s').limit, 5000);
  assert.equal(parseThresholdExpression('recovery_time', 'value<=2500').limit, 2500);
});

function rejects(metric: string, text: string, ...fragments: RegExp[]) {
  assert.throws(
    () => parseThresholdExpression(metric, text),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError, `${text}: expected InvalidInputError`);
      assert.ok(!error.message.includes('\n'), 'one line');
      for (const f of fragments) assert.match(error.message, f);
      return true;
    },
  );
}

test('rejects bad expressions with a one-line message quoting the text and saying what is allowed', () => {
  rejects('latency', 'p(99)<<250', /"p\(99\)<<250"/, /p\(N\) with 0<N<=100, max, min, avg or med/);
  rejects('latency', 'p99<250', /"p99<250"/, /p\(N\)/);
  rejects('latency', 'p(0)<5', /percentile "0" outside 0<N<=100/);
  rejects('latency', 'p(101)<5', /outside 0<N<=100/);
  rejects('latency', 'p<5', /"p<5"/);
  rejects('latency', 'rate<0.1', /uses "rate", which latency does not have/);
  rejects('latency', 'p(99)<5%', /unit "%"/);
  rejects('error_rate', 'rate<5', /rate above 1/, /rate<0\.001/);
  rejects('error_rate', 'p(99)<5', /uses "p\(\.\.\.\)"/, /use rate/);
  rejects('rps', 'value>100ms', /unit "ms", which rps does not take/);
  rejects('leaks', 'count<0.5', /not a whole number/);
  rejects('leaks', 'count==-1', /negative/);
  rejects('recovery_time', 'p(99)<5s', /max or value/);
  rejects('recovery_time', 'max<', /not a valid expression/);
  rejects('latency', '', /""/);
  rejects('nope', 'count==0', /unknown threshold metric "nope"/, new RegExp(thresholdMetrics.join(', ')));
});

test('the scenario schema reports a bad threshold with its field path and message', () => {
  const parsed = scenarioSchema.safeParse({
    name: 'x',
    topology: { strategy: 'redis' },
    workload: { users: 1, connections: 1, duration: '1s' },
    thresholds: { latency: ['p(99)<250', 'p(99)=<250'] },
  });
  assert.equal(parsed.success, false);
  const issue = parsed.error!.issues.find((i) => i.path.join('.') === 'thresholds.latency.1');
  assert.ok(issue, JSON.stringify(parsed.error!.issues));
  assert.match(issue.message, /"p\(99\)=<250" is not a valid expression/);
});
