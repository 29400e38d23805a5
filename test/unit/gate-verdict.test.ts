import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGateVerdict } from '../../harness/gate/gate-verdict.js';
import { parseMaxRegression } from '../../harness/gate/regression.js';
import { renderJunit, xmlEscape } from '../../harness/gate/render-junit.js';
import { renderMarkdown } from '../../harness/gate/render-markdown.js';
import { renderText } from '../../harness/gate/render-text.js';
import { makeResult } from '../fixtures/results/make-result.js';

const now = new Date('2026-11-28T00:00:00Z');

test('scenario thresholds are re-evaluated; CLI thresholds added; unknown does not fail', () => {
  const result = makeResult({ p99: 240, recoveryMs: [], thresholds: { latency: ['p(99)<250'] } });
  const v = buildGateVerdict({
    result,
    resultPath: 'r.json',
    cliThresholds: { recovery_time: ['max<5s'], leaks: ['count==0'] },
    now,
  });
  assert.equal(v.passed, true);
  assert.deepEqual(v.counts, { passed: 2, failed: 0, unknown: 1 });
  assert.deepEqual(v.checks.map((c) => [c.metric, c.source, c.passed]), [
    ['latency', 'scenario', true],
    ['recovery_time', 'cli', null],
    ['leaks', 'cli', true],
  ]);
  assert.equal(v.checkedAt, '2026-11-28T00:00:00.000Z');
  assert.equal(v.maxRegression, null);
});

test('a failure the run recorded wins over a re-evaluated pass; recorded-only results are kept', () => {
  const result = makeResult({
    p99: 240,
    thresholds: { latency: ['p(99)<250'] },
    storedThresholds: {
      passed: false,
      results: [
        { metric: 'latency', expression: 'p(99) < 250', actual: 900, passed: false, source: 'scenario', message: 'aborted: p(99)=900ms' },
        { metric: 'error_rate', expression: 'rate<0.5', actual: 0.9, passed: false, source: 'cli' },
      ],
    },
  });
  const v = buildGateVerdict({ result, resultPath: 'r.json', now });
  assert.equal(v.passed, false);
  assert.deepEqual(v.checks.map((c) => [c.metric, c.expression, c.source, c.passed]), [
    ['latency', 'p(99)<250', 'scenario', false],
    ['error_rate', 'rate<0.5', 'cli', false],
  ]);
  assert.match(v.checks[0]!.message, /aborted: p\(99\)=900ms .*re-evaluated: p\(99\)=240ms/);
});

test('regressions join the checks with baselines listed', () => {
  const baselines = [{ path: 'b1.json', result: makeResult({ runId: 'b1', p99: 200 }) }];
  const v = buildGateVerdict({ result: makeResult({ p99: 300 }), resultPath: 'r.json', baselines, maxRegression: parseMaxRegression('p99=10%'), now });
  assert.equal(v.passed, false);
  assert.deepEqual(v.baselines, [{ path: 'b1.json', runId: 'b1' }]);
  assert.deepEqual(v.maxRegression, { p99: 0.1 });
  assert.equal(v.checks[0]!.kind, 'regression');
});

function sampleVerdict() {
  const result = makeResult({ p99: 300, runId: 'run<&>', recoveryMs: [] });
  return buildGateVerdict({
    result,
    resultPath: 'r.json',
    cliThresholds: { latency: ['p(99)<250', 'p(50)<250'], recovery_time: ['max<5s'] },
    now,
  });
}

test('text table: aligned columns, one row per check, notes for failed and unknown', () => {
  const text = renderText(sampleVerdict());
  const lines = text.split('\n');
  assert.match(lines[0]!, /^Gate FAILED: redis-failover \(run run<&>\) — 1 passed, 1 failed, 1 unknown$/);
  assert.match(lines[1]!, /^VERDICT\s+CHECK\s+METRIC\s+EXPRESSION \/ LIMIT\s+ACTUAL\s+BASELINE$/);
  const col = lines[1]!.indexOf('ACTUAL');
  assert.equal(lines[2]!.indexOf('300ms'), col);
  assert.match(lines[2]!, /^FAIL\s+threshold\s+latency\s+p\(99\)<250\s+300ms$/);
  assert.match(text, /UNKNOWN recovery_time max<5s: unknown: the run had no faults/);
});

test('JUnit: one testcase per check, failures and skipped counted, XML escaped', () => {
  const xml = renderJunit(sampleVerdict());
  assert.match(xml, /<testsuites name="php-session-lab gate" tests="3" failures="1" errors="0" skipped="1">/);
  assert.equal(xml.match(/<testcase /g)!.length, 3);
  assert.match(xml, /<testcase classname="gate.redis-failover.threshold" name="threshold latency p\(99\)&lt;250" time="0">\n\s+<failure message="p\(99\)=300ms, limit &lt;250ms" type="threshold">/);
  assert.match(xml, /<skipped message="unknown: the run had no faults/);
  assert.match(xml, /value="run&lt;&amp;&gt;"/);
  assert.equal(xmlEscape('a\u0001"b\''), 'a&quot;b&apos;');
});

test('Markdown: heading with the verdict, a table row per check, pipes escaped', () => {
  const md = renderMarkdown(sampleVerdict());
  assert.match(md, /^### ❌ Performance gate FAILED: redis-failover/);
  assert.match(md, /\| ❌ \| threshold \| latency \| `p\(99\)<250` \| 300ms \|  \|/);
  assert.match(md, /\| ❔ \| threshold \| recovery_time \|/);
  assert.match(md, /- ❌ \*\*latency\*\* `p\(99\)<250`: p\(99\)=300ms, limit &lt;250ms/);
  const piped = buildGateVerdict({ result: makeResult({ storedThresholds: { passed: true, results: [{ metric: 'a|b', expression: 'x|y', actual: 1, passed: true }] } }), resultPath: 'r', now });
  assert.match(renderMarkdown(piped), /\| ✅ \| threshold \| a\\\|b \| `x\\\|y` \|/);
});

test('a baseline with another setup is compared but warned about', () => {
  const other = makeResult({ runId: 'b5' });
  other.nodes = 5;
  const same = makeResult({ runId: 'b3' });
  const v = buildGateVerdict({ result: makeResult(), resultPath: 'r.json', baselines: [{ path: 'b5.json', result: other }, { path: 'b3.json', result: same }], maxRegression: parseMaxRegression('p99=10%'), now });
  assert.deepEqual(v.warnings, ['baseline b5.json ran with another setup: nodes 5 (result: 3)']);
  assert.match(renderText(v), /^warning: baseline b5\.json ran with another setup: nodes 5 \(result: 3\)$/m);
  assert.match(renderMarkdown(v), /^> ⚠️ baseline b5\.json ran with another setup/m);
});
