import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLEAN_SECONDS, recoveryFrom, recoveryTimes } from '../../harness/checks/recovery-time.js';
import type { FaultWindow, TimelinePoint } from '../../harness/results/result-schema.js';

/** One timeline from a compact picture: '.' clean, 'e' errors, 'a' anomalies, '0' no requests. */
function timeline(picture: string): TimelinePoint[] {
  return [...picture].map((c, t) => ({
    t,
    requests: c === '0' ? 0 : 100,
    errors: c === 'e' ? 3 : 0,
    anomalies: c === 'a' ? 2 : 0,
    p50: 1,
    p99: 2,
    outcomes: { ok: 100, reset: 0, stale: 0, ahead: 0, unsaved: 0, error: 0, leak: 0 },
    nodes: {},
  }));
}

test('three clean seconds are needed', () => {
  assert.equal(CLEAN_SECONDS, 3);
});

test('a clean run recovers at once (0 ms), even from mid-second', () => {
  assert.equal(recoveryFrom(timeline('..........'), 0), 0);
  assert.equal(recoveryFrom(timeline('..........'), 4_000), 0);
  // The fault starts at 4.6 s: second 4 is clean, so recovery is "already there".
  assert.equal(recoveryFrom(timeline('..........'), 4_600), 0);
});

test('errors after the fault: recovery at the first of three clean seconds', () => {
  //                          0123456789
  const tl = timeline('....eee.....');
  assert.equal(recoveryFrom(tl, 4_000), 3_000);
  assert.equal(recoveryFrom(tl, 4_500), 2_500);
});

test('anomalies count like errors', () => {
  assert.equal(recoveryFrom(timeline('..aa......'), 2_000), 2_000);
});

test('seconds without requests are not clean', () => {
  //                          0123456789
  assert.equal(recoveryFrom(timeline('..000.....'), 2_000), 3_000);
});

test('a short clean gap (< 3 s) between bad seconds does not count', () => {
  //                          0123456789012
  assert.equal(recoveryFrom(timeline('..e..e.e.....'), 2_000), 6_000);
});

test('never three clean seconds after the fault -> null', () => {
  assert.equal(recoveryFrom(timeline('....eeee..'), 4_000), null);
  assert.equal(recoveryFrom(timeline('eeeeeeeeee'), 0), null);
  assert.equal(recoveryFrom([], 0), null);
});

test('the clean stretch may end exactly at the end of the timeline', () => {
  assert.equal(recoveryFrom(timeline('eee...'), 0), 3_000);
});

test('clean seconds before the fault do not count', () => {
  assert.equal(recoveryFrom(timeline('.....eee...'), 5_000), 3_000);
});

test('recoveryTimes: from start, and from heal only when the fault healed before the end', () => {
  //                          012345678901234567890
  const tl = timeline('.....eeee.....eee.....');
  const faults: FaultWindow[] = [
    { type: 'node-kill', target: 'node-2', startMs: 5_000, endMs: 14_000, status: 'applied' },
    { type: 'redis-down', target: 'redis', startMs: 14_000, endMs: 22_000, label: 'redis down', status: 'applied' },
  ];
  assert.deepEqual(recoveryTimes(tl, faults, 22_000), [
    { fault: 'node-kill node-2', fromStartMs: 4_000, fromHealMs: 3_000 },
    { fault: 'redis down', fromStartMs: 3_000, fromHealMs: null },
  ]);
});

test('recoveryTimes: no faults -> no entries', () => {
  assert.deepEqual(recoveryTimes(timeline('.....'), [], 5_000), []);
});

test('a fault whose effect begins later (a partition noticed after the node timeout) recovers from when its effect ends, not at once', () => {
  //                   0123456789012345678
  const tl = timeline('.........eeaa......');
  // Fault at 5 s until 14 s: 4 clean seconds, then bad from 9; clean again from 13.
  assert.equal(recoveryFrom(tl, 5_000, 14_000), 8_000);
  // Bad seconds after the fault's end are not its effect: no effect seen inside the window.
  assert.equal(recoveryFrom(timeline('.....ee.....'), 0, 3_000), 0);
});
