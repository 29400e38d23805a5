/** Series labels, colors and fault-band merging of the report. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeFaultBands } from '../../harness/report/fault-bands.js';
import { jsonForScript } from '../../harness/report/html-escape.js';
import { seriesColors, seriesLabels } from '../../harness/report/series-style.js';
import { makeResult } from '../fixtures/report/make-fixtures.js';

test('labels: strategy; scenario/strategy when scenarios differ; runId for duplicates', () => {
  const a = makeResult({ strategy: 'files' });
  const b = makeResult({ strategy: 'redis' });
  assert.deepEqual(seriesLabels([a, b]), ['files', 'redis']);
  const c = makeResult({ strategy: 'redis', scenario: 'redis-down' });
  assert.deepEqual(seriesLabels([a, c]), ['node-kill-failover/files', 'redis-down/redis']);
  const again = makeResult({ strategy: 'redis', runId: 'run-2' });
  assert.deepEqual(seriesLabels([b, again]), [`redis (${b.runId})`, 'redis (run-2)']);
  assert.deepEqual(seriesLabels([b, b]), [`redis (${b.runId}) #1`, `redis (${b.runId}) #2`]);
});

test('colors: fixed per strategy, distinct for a repeated strategy', () => {
  const files = makeResult({ strategy: 'files' });
  const redis = makeResult({ strategy: 'redis' });
  assert.deepEqual(seriesColors([redis, files]), ['#dc2626', '#d97706']);
  const [first, second] = seriesColors([redis, redis]);
  assert.equal(first, '#dc2626');
  assert.notEqual(second, first);
  const odd = { ...redis, strategy: 'memcached' };
  assert.deepEqual(seriesColors([odd]), seriesColors([odd]), 'unknown strategies get a stable color');
});

test('fault bands: near-identical windows of several runs merge; other faults stay apart', () => {
  const a = makeResult({ strategy: 'files' });
  const b = makeResult({ strategy: 'redis' });
  b.faults[0]!.startMs += 400;
  const c = makeResult({ strategy: 'affinity', durationS: 300, killAtS: 60, healAtS: 120, soak: true });
  const bands = mergeFaultBands([a, b]);
  assert.equal(bands.length, 1);
  assert.equal(bands[0]!.startS, a.faults[0]!.startMs / 1000);
  const mixed = mergeFaultBands([a, c]);
  assert.deepEqual(mixed.map((x) => x.label), ['node-kill node-2', 'node-kill node-2', 'redis-latency +5ms', 'redis-latency +20ms', 'redis-latency +50ms']);
  assert.deepEqual(mixed.map((x) => x.tone), [0, 0, 1, 1, 1], 'one tone per fault type');
  const open = makeResult({ strategy: 'redis' });
  open.faults[0]!.endMs = open.durationMs;
  assert.equal(mergeFaultBands([open])[0]!.open, true);
});

test('jsonForScript: no "<" at all, same value after JSON.parse', () => {
  const value = { s: '</script><!-- --> & \u2028 <SCRIPT>' };
  const text = jsonForScript(value);
  assert.doesNotMatch(text, /[<>&\u2028]/);
  assert.deepEqual(JSON.parse(text), value);
});
