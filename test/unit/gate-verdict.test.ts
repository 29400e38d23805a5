import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGateVerdict } from '../../harness/gate/gate-verdict.js';
import { parseMaxRegression } from '../../harness/gate/regression.js';
import { renderJunit, xmlEscape } from '../../harness/gate/render-junit.js';
import { renderMarkdown } from '../../harness/gate/render-markdown.js';
import { renderText } from '../../harness/gate/render-text.js';
import { makeResult } from '../fixtures/results/make-result.js';

const now = new Date('2026-11-28T00:00:00Z');

test('built-in checks first, scenario thresholds re-evaluated, CLI thresholds added; unknown fails unless allowed', () => {
  const result = makeResult({ p99: 240, recoveryMs: [], thresholds: { latency: ['p(99)<250'] } });
  const input = { result, resultPath: 'r.json', cliThresholds: { recovery_time: ['max<5s'], leaks: ['count==0'] }, now };
  const v = buildGateVerdict(input);
  // The old gate passed a check it could not evaluate.
  assert.equal(v.passed, false);
  assert.equal(v.allowUnknown, false);
  assert.deepEqual(v.counts, { passed: 4, failed: 0, unknown: 1 });
  assert.deepEqual(v.checks.map((c) => [c.kind, c.metric, c.source, c.passed]), [
    ['check', 'users_judged', 'builtin', true],
    ['check', 'healthy_before_fault', 'builtin', true],
    ['threshold', 'latency', 'scenario', true],
    ['threshold', 'recovery_time', 'cli', null],
    ['threshold', 'leaks', 'cli', true],
  ]);
  assert.equal(v.checkedAt, '2026-11-28T00:00:00.000Z');
  assert.equal(v.maxRegression, null);
  assert.match(renderText(v), /^Gate FAILED: .* 1 unknown \(a check that could not be evaluated fails the gate; --allow-unknown accepts it\)/);
  const allowed = buildGateVerdict({ ...input, allowUnknown: true });
  assert.equal(allowed.passed, true);
});

test('a dead stack fails the gate: no user was served, so no session was judged', () => {
  // Every node killed at 0%: all requests errors, no user judged, session_loss_rate unknown.
  const dead = makeResult({ errors: 1000, recoveryMs: [0] });
  dead.requests.errors = dead.requests.total;
  dead.sessions = { ...dead.sessions, intact: 0, recovered: 0, lost: 0, unknown: 0, unserved: dead.sessions.users, lossRate: 0 };
  dead.faults[0]!.startMs = 0;
  for (const p of dead.timeline) p.errors = p.requests;
  const v = buildGateVerdict({ result: dead, resultPath: 'r.json', cliThresholds: { session_loss_rate: ['rate==0'] }, now });
  assert.equal(v.passed, false);
  const judged = v.checks.find((c) => c.metric === 'users_judged')!;
  assert.equal(judged.passed, false);
  assert.match(judged.message, /no user was served, so no session was judged/);
  assert.equal(v.checks.find((c) => c.metric === 'session_loss_rate')!.passed, null);
  assert.match(v.checks.find((c) => c.metric === 'healthy_before_fault')!.message, /no request finished in the 0 s before the first fault/);
  // --allow-unknown does not rescue a failed check.
  assert.equal(buildGateVerdict({ result: dead, resultPath: 'r.json', allowUnknown: true, now }).passed, false);
});

test('a fault whose apply failed fails the gate with its error', () => {
  const result = makeResult({});
  result.faults[0] = { ...result.faults[0]!, status: 'apply-failed', error: 'apply failed: connect ECONNREFUSED 127.0.0.1:1' };
  const v = buildGateVerdict({ result, resultPath: 'r.json', now });
  assert.equal(v.passed, false);
  const fault = v.checks.find((c) => c.metric === 'fault')!;
  assert.equal(fault.passed, false);
  assert.match(fault.message, /node-kill node-2: apply failed: connect ECONNREFUSED/);
});

test('users whose final read failed count against the users-judged check', () => {
  const result = makeResult({ users: 100 });
  result.sessions = { ...result.sessions, intact: 90, unknown: 10 };
  const check = buildGateVerdict({ result, resultPath: 'r.json', now }).checks.find((c) => c.metric === 'users_judged')!;
  assert.equal(check.passed, false);
  assert.match(check.message, /90 of 100 users judged \(unserved 0, final read failed 10\): 90%, need 95%/);
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
  const thresholds = v.checks.filter((c) => c.kind === 'threshold');
  assert.deepEqual(thresholds.map((c) => [c.metric, c.expression, c.source, c.passed]), [
    ['latency', 'p(99)<250', 'scenario', false],
    ['error_rate', 'rate<0.5', 'cli', false],
  ]);
  assert.match(thresholds[0]!.message, /aborted: p\(99\)=900ms .*re-evaluated: p\(99\)=240ms/);
});

test('regressions join the checks with baselines listed', () => {
  const baselines = [{ path: 'b1.json', result: makeResult({ runId: 'b1', p99: 200 }) }];
  const v = buildGateVerdict({ result: makeResult({ p99: 300 }), resultPath: 'r.json', baselines, maxRegression: parseMaxRegression('p99=10%'), now });
  assert.equal(v.passed, false);
  assert.deepEqual(v.baselines, [{ path: 'b1.json', runId: 'b1' }]);
  assert.deepEqual(v.maxRegression, { p99: 0.1 });
  assert.equal(v.checks.filter((c) => c.kind === 'regression').length, 1);
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
  assert.match(lines[0]!, /^Gate FAILED: redis-failover \(run run<&>\) — 3 passed, 1 failed, 1 unknown$/);
  assert.match(lines[1]!, /^VERDICT\s+CHECK\s+METRIC\s+EXPRESSION \/ LIMIT\s+ACTUAL\s+BASELINE$/);
  const col = lines[1]!.indexOf('ACTUAL');
  assert.match(lines[2]!, /^PASS\s+check\s+users_judged\s+rate>=0\.95\s+1$/);
  const latency = lines.find((l) => l.startsWith('FAIL'))!;
  assert.equal(latency.indexOf('300ms'), col);
  assert.match(latency, /^FAIL\s+threshold\s+latency\s+p\(99\)<250\s+300ms$/);
  assert.match(text, /UNKNOWN recovery_time max<5s: unknown: the run had no faults/);
});

test('JUnit: one testcase per check, failures and skipped counted, XML escaped', () => {
  const xml = renderJunit(sampleVerdict());
  assert.match(xml, /<testsuites name="php-session-lab gate" tests="5" failures="1" errors="0" skipped="1">/);
  assert.equal(xml.match(/<testcase /g)!.length, 5);
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
