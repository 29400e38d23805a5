import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, isTimePoint, parseDuration, parseTimePoint } from '../../harness/scenario/duration.js';

test('parseDuration: each unit and compound durations, in ms', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('20s'), 20_000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
  assert.equal(parseDuration('1.5m'), 90_000);
  assert.equal(parseDuration('0.25s'), 250);
  assert.equal(parseDuration(' 20s '), 20_000);
  assert.equal(parseDuration('0s'), 0);
});

test('parseDuration: 1m is a minute, not confused with ms', () => {
  assert.equal(parseDuration('1m'), 60_000);
  assert.equal(parseDuration('1ms'), 1);
  assert.equal(parseDuration('1m1ms'), 60_001);
});

test('parseDuration: bad input throws a message quoting the input and showing examples', () => {
  for (const bad of ['', '20', 'abc', '20 s', '-5s', '1d', 's', '.5s', '20s!', '1m 30s', '5S']) {
    assert.throws(
      () => parseDuration(bad),
      (error: Error) => error.message.includes(`"${bad}" is not a duration`) && error.message.includes('20s'),
      `accepted ${JSON.stringify(bad)}`,
    );
  }
});

test('formatDuration', () => {
  assert.equal(formatDuration(120_000), '2m');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(parseDuration(formatDuration(90_000)), 90_000);
});

test('parseTimePoint: a share of the run duration', () => {
  assert.equal(parseTimePoint('33%', 60_000), 19_800);
  assert.equal(parseTimePoint('50%', 20_000), 10_000);
  assert.equal(parseTimePoint('12.5%', 8_000), 1_000);
  assert.equal(parseTimePoint('0%', 60_000), 0);
  assert.equal(parseTimePoint(' 25% ', 4_000), 1_000);
});

test('parseTimePoint: a duration ignores the run duration', () => {
  assert.equal(parseTimePoint('20s', 60_000), 20_000);
  assert.equal(parseTimePoint('20s', undefined), 20_000);
});

test('parseTimePoint: a percent without a run duration is an error naming workload.duration', () => {
  assert.throws(() => parseTimePoint('33%', undefined), /"33%" is a share of the run.*workload\.duration/);
});

test('parseTimePoint: neither a duration nor a percent throws', () => {
  assert.throws(() => parseTimePoint('soon', 60_000), /not a duration/);
  assert.throws(() => parseTimePoint('%', 60_000), /not a duration/);
});

test('isTimePoint: durations and percents up to 100', () => {
  for (const ok of ['20s', '1m30s', '500ms', '33%', '100%', '0%', '12.5%']) assert.equal(isTimePoint(ok), true, ok);
  for (const bad of ['101%', '150%', 'later', '20', '', '-5%', '%']) assert.equal(isTimePoint(bad), false, bad);
});
