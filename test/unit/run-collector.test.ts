import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunCollector, round3, type CollectedRecord } from '../../harness/results/run-collector.js';

function rec(partial: Partial<CollectedRecord>): CollectedRecord {
  return { t: 0, user: 'u1', status: 200, latencyMs: 10, outcome: 'ok', node: 'node-1', expected: 1, got: 1, ...partial };
}

/** Within HDR precision (3 significant digits -> 0.1%, plus rounding to µs). */
function near(actual: number, expected: number, label: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.001 + 0.002, `${label}: ${actual} not ~ ${expected}`);
}

test('totals: requests, outcomes, errors, anomalies, nodes served', () => {
  const c = new RunCollector();
  c.record(rec({ outcome: 'ok', node: 'node-1' }));
  c.record(rec({ outcome: 'ok', node: 'node-2' }));
  c.record(rec({ outcome: 'reset', node: 'node-2' }));
  c.record(rec({ outcome: 'stale', node: 'node-3' }));
  c.record(rec({ outcome: 'ahead', node: 'node-1' }));
  c.record(rec({ outcome: 'leak', node: 'node-1' }));
  c.record(rec({ outcome: 'unsaved', node: 'node-3' }));
  c.record(rec({ outcome: 'error', status: 502, node: null, got: null }));
  assert.equal(c.requests, 8);
  assert.deepEqual(c.outcomes, { ok: 2, reset: 1, stale: 1, ahead: 1, unsaved: 1, error: 1, leak: 1 });
  assert.equal(c.errors, 1);
  assert.equal(c.anomalies, 5, 'unsaved is an anomaly');
  assert.deepEqual(c.nodesServed, { 'node-1': 3, 'node-2': 2, 'node-3': 2 });
});

test('errors split into timeouts, non-2xx and connection errors', () => {
  const c = new RunCollector();
  c.record(rec({ outcome: 'error', status: 0, failure: 'timeout', node: null }));
  c.record(rec({ outcome: 'error', status: 0, failure: 'timeout', node: null }));
  c.record(rec({ outcome: 'error', status: 0, failure: 'connection', node: null }));
  c.record(rec({ outcome: 'error', status: 500 }));
  c.record(rec({ outcome: 'error', status: 503 }));
  c.record(rec({ outcome: 'error', status: 404 }));
  // 200 with an unreadable body: an error, but none of the three kinds
  c.record(rec({ outcome: 'error', status: 200 }));
  assert.equal(c.errors, 7);
  assert.equal(c.timeouts, 2);
  assert.equal(c.connectionErrors, 1);
  assert.equal(c.non2xx, 3);
  assert.equal(c.anomalies, 0);
});

test('per-second buckets: requests, errors, anomalies and nodes land in their own second', () => {
  const c = new RunCollector();
  c.record(rec({ t: 100, node: 'node-1' }));
  c.record(rec({ t: 999, node: 'node-2' }));
  c.record(rec({ t: 1000, outcome: 'reset', node: 'node-2' }));
  c.record(rec({ t: 1500, outcome: 'error', status: 0, failure: 'timeout', node: null }));
  c.record(rec({ t: 3200, outcome: 'leak', node: 'node-3' }));
  c.record(rec({ t: -5, node: 'node-1' })); // clamped into second 0
  assert.deepEqual(c.bucket(0) && { ...c.bucket(0), p99: 0 }, { requests: 3, errors: 0, anomalies: 0, p99: 0 });
  const one = c.bucket(1)!;
  assert.equal(one.requests, 2);
  assert.equal(one.errors, 1);
  assert.equal(one.anomalies, 1);
  assert.equal(c.bucket(2), null);
  assert.equal(c.bucket(3)!.anomalies, 1);

  const points = c.timeline(5_000);
  assert.equal(points.length, 5);
  assert.deepEqual(points.map((p) => p.t), [0, 1, 2, 3, 4]);
  assert.deepEqual(points.map((p) => p.requests), [3, 2, 0, 1, 0]);
  assert.deepEqual(points.map((p) => p.errors), [0, 1, 0, 0, 0]);
  assert.deepEqual(points.map((p) => p.anomalies), [0, 1, 0, 1, 0]);
  assert.deepEqual(points[0]!.nodes, { 'node-1': 2, 'node-2': 1 });
  assert.deepEqual(points[1]!.nodes, { 'node-2': 1 });
  assert.deepEqual(points[1]!.outcomes, { ok: 0, reset: 1, stale: 0, ahead: 0, unsaved: 0, error: 1, leak: 0 });
  assert.deepEqual(points[2], { t: 2, requests: 0, errors: 0, anomalies: 0, p50: 0, p99: 0, outcomes: { ok: 0, reset: 0, stale: 0, ahead: 0, unsaved: 0, error: 0, leak: 0 }, nodes: {} });
});

test('timeline covers the longer of the run duration and the recorded seconds', () => {
  const c = new RunCollector();
  c.record(rec({ t: 6_500 }));
  assert.equal(c.timeline(3_000).length, 7);
  assert.equal(c.timeline(9_001).length, 10);
  assert.equal(new RunCollector().timeline(2_000).length, 2);
});

test('latency percentiles of known values (1..1000 ms), within HDR precision', () => {
  const c = new RunCollector();
  // shuffled order must not matter
  for (let i = 0; i < 1000; i++) c.record(rec({ t: 0, latencyMs: ((i * 7919) % 1000) + 1 }));
  const s = c.latencySummary();
  near(s.min, 1, 'min');
  near(s.max, 1000, 'max');
  near(s.mean, 500.5, 'mean');
  near(s.p50, 500, 'p50');
  near(s.p90, 900, 'p90');
  near(s.p95, 950, 'p95');
  near(s.p99, 990, 'p99');
  near(s.p999, 999, 'p999');
  near(c.bucket(0)!.p99, 990, 'bucket p99');
});

test('sub-millisecond latencies keep microsecond resolution', () => {
  const c = new RunCollector();
  c.record(rec({ latencyMs: 0.25 }));
  c.record(rec({ latencyMs: 0.75 }));
  const s = c.latencySummary();
  near(s.min, 0.25, 'min');
  near(s.max, 0.75, 'max');
});

test('a timeout counts in the latency histogram at the time it waited (k6 does too); a connection error does not', () => {
  const c = new RunCollector();
  c.record(rec({ latencyMs: 10 }));
  c.record(rec({ latencyMs: 20 }));
  c.record(rec({ latencyMs: 5_000, status: 0, outcome: 'error', failure: 'timeout' }));
  c.record(rec({ latencyMs: 9_000, status: 0, outcome: 'error', failure: 'connection' }));
  // a 500 is an answer: its latency counts
  c.record(rec({ latencyMs: 30, status: 500, outcome: 'error' }));
  const s = c.latencySummary();
  near(s.max, 5_000, 'max: a stall must show in the percentiles');
  assert.equal(c.total.totalCount, 4);
  assert.equal(c.requests, 5);
  assert.equal(c.timeouts, 1);
});

test('an empty collector has zero latency and no spectrum', () => {
  const c = new RunCollector();
  assert.deepEqual(c.latencySummary(), { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 });
  assert.deepEqual(c.percentileSpectrum(), []);
  assert.equal(c.anomalies, 0);
});

test('percentile spectrum: 0, 50, 75, ... increasing, ending with 100 = max', () => {
  const c = new RunCollector();
  for (let i = 1; i <= 1000; i++) c.record(rec({ latencyMs: i }));
  const spectrum = c.percentileSpectrum();
  assert.deepEqual(spectrum.slice(0, 4).map((p) => p.percentile), [0, 50, 75, 87.5]);
  assert.equal(spectrum.at(-1)!.percentile, 100);
  near(spectrum.at(-1)!.ms, 1000, 'spectrum max');
  near(spectrum[1]!.ms, 500, 'spectrum p50');
  for (let i = 1; i < spectrum.length; i++) {
    assert.ok(spectrum[i]!.percentile > spectrum[i - 1]!.percentile);
    // non-decreasing within HDR precision (percentiles report a bucket's highest equivalent
    // value, the 100% point the exact max, so the last step may dip by < 0.1%)
    assert.ok(spectrum[i]!.ms >= spectrum[i - 1]!.ms * 0.999, `spectrum dips at ${spectrum[i]!.percentile}`);
  }
});

test('samples: only non-ok answers, capped at 50, with their details', () => {
  const c = new RunCollector();
  c.record(rec({ outcome: 'ok' }));
  c.record(rec({ t: 1234.6, user: 'u7', outcome: 'reset', node: 'node-2', expected: 5, got: 1 }));
  c.record(rec({ t: 2000, user: 'u8', outcome: 'error', status: 0, node: null, got: null, failure: 'timeout' }));
  assert.deepEqual(c.samples, [
    { t: 1235, user: 'u7', outcome: 'reset', expected: 5, got: 1, node: 'node-2', status: 200 },
    { t: 2000, user: 'u8', outcome: 'error', expected: 1, got: null, node: null, status: 0, detail: 'timeout' },
  ]);
  for (let i = 0; i < 100; i++) c.record(rec({ outcome: 'stale', user: `x${i}` }));
  assert.equal(c.samples.length, 50);
  assert.equal(c.samples.at(-1)!.user, 'x47');
  assert.equal(c.outcomes.stale, 100);
});

test('windowStats: sums and percentiles over seconds [from, to)', () => {
  const c = new RunCollector();
  for (let i = 0; i < 100; i++) c.record(rec({ t: 500, latencyMs: 1 }));
  for (let i = 0; i < 100; i++) c.record(rec({ t: 1500, latencyMs: 10 }));
  c.record(rec({ t: 1600, outcome: 'error', status: 500, latencyMs: 10 }));
  c.record(rec({ t: 1700, outcome: 'stale', latencyMs: 10 }));
  for (let i = 0; i < 100; i++) c.record(rec({ t: 2500, latencyMs: 100 }));
  c.record(rec({ t: 2600, outcome: 'leak', latencyMs: 100 }));

  const middle = c.windowStats(1, 2);
  assert.deepEqual({ ...middle, p50: 0, p99: 0 }, { requests: 102, errors: 1, anomalies: 1, p50: 0, p99: 0 });
  near(middle.p50, 10, 'window p50');
  near(middle.p99, 10, 'window p99');

  const lastTwo = c.windowStats(1, 3);
  assert.equal(lastTwo.requests, 203);
  assert.equal(lastTwo.anomalies, 2);
  near(lastTwo.p99, 100, 'two-second p99');
  near(lastTwo.p50, 10, 'two-second p50');

  const all = c.windowStats(-5, 99);
  assert.equal(all.requests, 303);
  near(all.p50, 10, 'all p50');

  assert.deepEqual(c.windowStats(5, 9), { requests: 0, errors: 0, anomalies: 0, p50: 0, p99: 0 });
  // the whole-run histogram is not disturbed by windowStats
  assert.equal(c.total.totalCount, 303);
});

test('round3', () => {
  assert.equal(round3(1.23456), 1.235);
  assert.equal(round3(2), 2);
});
