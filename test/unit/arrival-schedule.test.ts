import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalSchedule } from '../../harness/workload/arrival-schedule.js';

test('constant rate: start i at i/rate, nothing after the end', () => {
  const s = ArrivalSchedule.constant(1000, 2000);
  assert.equal(s.totalArrivals, 2000);
  assert.equal(s.intendedStart(0), 0);
  assert.equal(s.intendedStart(1), 1);
  assert.equal(s.intendedStart(500), 500);
  assert.equal(s.intendedStart(1999), 1999);
  assert.equal(s.intendedStart(2000), null);
  const slow = ArrivalSchedule.constant(4, 1000);
  assert.deepEqual([0, 1, 2, 3].map((i) => slow.intendedStart(i)), [0, 250, 500, 750]);
});

test('a ramp from 0 to 100 req/s over 10 s holds 500 arrivals, denser at the end', () => {
  const s = new ArrivalSchedule([{ durationMs: 10_000, target: 100 }], 0);
  assert.equal(s.totalArrivals, 500);
  // N(t) = 5 t^2 (t in s): arrival 125 at 5 s, 320 at 8 s.
  assert.ok(Math.abs(s.intendedStart(125)! - 5000) < 1e-6);
  assert.ok(Math.abs(s.intendedStart(320)! - 8000) < 1e-6);
  assert.equal(s.rateAt(5000), 50);
  const gaps = [1, 100, 400].map((i) => s.intendedStart(i + 1)! - s.intendedStart(i)!);
  assert.ok(gaps[0]! > gaps[1]! && gaps[1]! > gaps[2]!, `gaps ${gaps}`);
});

test('stages chain: ramp up, hold, ramp down; intended starts never go back in time', () => {
  const s = new ArrivalSchedule(
    [
      { durationMs: 2000, target: 200 },
      { durationMs: 3000, target: 200 },
      { durationMs: 1000, target: 0 },
    ],
    0,
  );
  assert.equal(s.totalArrivals, 200 + 600 + 100);
  assert.equal(s.durationMs, 6000);
  let last = -1;
  for (let i = 0; i < 900; i++) {
    const t = s.intendedStart(i)!;
    assert.ok(t >= last, `start ${i} at ${t} before ${last}`);
    last = t;
  }
  assert.ok(Math.abs(s.intendedStart(200)! - 2000) < 1e-6);
  assert.ok(Math.abs(s.intendedStart(500)! - 3500) < 1e-6);
});

test('a stage without duration is refused', () => {
  assert.throws(() => new ArrivalSchedule([{ durationMs: 0, target: 5 }]), RangeError);
});
