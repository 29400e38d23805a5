/** k6-style thresholds during and after a run: abortOnFail stops the load early and exits 99. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, processesOfRuns } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

test('abortOnFail: files round-robin breaks anomaly_rate<0.1, the run stops early with exit 99', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-abort-'));
  try {
    const run = await runCli('scenario.ts', ['test/fixtures/scenarios/abort-on-fail.ts', '--out', dir, '--quiet']);
    assert.equal(run.code, 99, run.stderr);
    assert.match(run.stderr, /abortOnFail/);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    // Planned 30 s; stopped after the first evaluation that failed.
    assert.ok(result.durationMs < 15_000, `ran ${result.durationMs} ms of 30 s`);
    assert.equal(result.thresholds?.passed, false);
    assert.equal(result.thresholds?.results[0]?.passed, false);
    assert.deepEqual(processesOfRuns(result.runId), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--repeat 2 stores every run and their median, with a report of all of them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-repeat-'));
  try {
    const run = await runCli('scenario.ts', ['files-roundrobin', '--repeat', '2', '--duration', '3s', '--users', '40', '--connections', '4', '--out', dir, '--quiet']);
    assert.equal(run.code, 0, run.stderr.slice(-1500));
    const runs = [1, 2].map((i) => JSON.parse(readFileSync(join(dir, `run-${i}`, 'result.json'), 'utf8')) as RunResult);
    const median = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    assert.notEqual(runs[0]!.runId, runs[1]!.runId);
    assert.equal(median.runId, 'median-of-2');
    const rps = runs.map((r) => r.requests.rps).sort((a, b) => a - b);
    assert.ok(median.requests.rps >= rps[0]! && median.requests.rps <= rps[1]!, `median rps ${median.requests.rps} outside ${rps}`);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const r of runs) assert.ok(html.includes(r.runId), 'every run is in the report');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
