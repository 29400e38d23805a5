import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anomalyWindows, evidenceWindows, kindTotals, lostUserEvidence, onRunAxis, perSecond, topKinds } from '../../harness/evidence/tie-evidence.js';
import type { EvidenceEvent, EvidenceKind } from '../../harness/evidence/evidence-types.js';

const START = Date.UTC(2026, 11, 5, 10, 0, 0);
const ev = (sinceStartMs: number, kind: EvidenceKind, component = 'node-1', line = `${kind} at ${sinceStartMs}`): EvidenceEvent => ({
  atMs: START + sinceStartMs,
  component,
  format: component.startsWith('node') ? 'php-error' : 'redis',
  kind,
  line,
});

test('events land on the timeline axis: t since the load start, whole seconds per bucket', () => {
  const events = onRunAxis([ev(2500, 'session-read-failed'), ev(-500, 'redis-restart', 'redis'), ev(2999, 'session-read-failed'), ev(3000, 'other')], START);
  assert.deepEqual(events.map((e) => e.t), [-500, 2500, 2999, 3000]);
  assert.deepEqual(perSecond(events, 0, Infinity), [
    { t: 2, counts: { 'session-read-failed': 2 } },
    { t: 3, counts: { other: 1 } },
  ]);
  assert.deepEqual(kindTotals(events, 0), { 'session-read-failed': 2, other: 1 });
});

test('anomaly windows join seconds one apart and split at a two-second gap', () => {
  const bad = new Map([[3, 5], [4, 2], [6, 1], [9, 4]]);
  assert.deepEqual(anomalyWindows(bad), [
    { fromMs: 3000, toMs: 7000, bad: 8 },
    { fromMs: 9000, toMs: 10_000, bad: 4 },
  ]);
});

test('a window names the kinds seen from one log resolution before it, known kinds before other, with examples', () => {
  const events = onRunAxis(
    [ev(2200, 'redis-connection-failed', 'node-2'), ...Array.from({ length: 5 }, (_, i) => ev(3100 + i, 'other')), ev(3300, 'session-read-failed'), ev(3400, 'session-read-failed'), ev(8000, 'server-down', 'balancer')],
    START,
  );
  const [w] = evidenceWindows(events, new Map([[3, 10]]), 1000);
  assert.equal(w!.reason, 'anomalies');
  assert.deepEqual(w!.top.map((k) => [k.kind, k.count]), [['session-read-failed', 2], ['redis-connection-failed', 1], ['other', 5]]);
  assert.equal(w!.top[0]!.examples[0]!.line, 'session-read-failed at 3300');
  assert.equal(topKinds(events, 0, Infinity).length, 4);
});

test('a lost user gets the events around its first bad answer on the nodes it touched and on shared components', () => {
  const events = onRunAxis([ev(5000, 'session-read-failed', 'node-1'), ev(5200, 'session-read-failed', 'node-3'), ev(5100, 'redis-restart', 'redis'), ev(9000, 'session-read-failed', 'node-1')], START);
  const [u] = lostUserEvidence(events, [{ user: 'u7', lostAtMs: 5500, nodes: ['node-1'] }]);
  assert.deepEqual(u!.events.map((e) => [e.t, e.component]), [[5000, 'node-1'], [5100, 'redis']]);
  const [never] = lostUserEvidence(events, [{ user: 'u8', lostAtMs: null, nodes: ['node-1'] }]);
  assert.deepEqual(never!.events, []);
});

test('an event standing for several (an INFO counter\'s growth) counts as many in totals, seconds and top kinds', () => {
  const events = onRunAxis([{ ...ev(1500, 'redis-evicted', 'redis'), count: 740 }, ev(1600, 'redis-oom', 'redis'), ev(2100, 'redis-oom', 'redis')], START);
  assert.deepEqual(kindTotals(events), { 'redis-evicted': 740, 'redis-oom': 2 });
  assert.deepEqual(perSecond(events, 0, Infinity), [{ t: 1, counts: { 'redis-evicted': 740, 'redis-oom': 1 } }, { t: 2, counts: { 'redis-oom': 1 } }]);
  // Ranked by what they stand for, not by how many lines: one line of 740 before two lines.
  assert.deepEqual(topKinds(events, 0, Infinity).map((k) => [k.kind, k.count]), [['redis-evicted', 740], ['redis-oom', 2]]);
});
