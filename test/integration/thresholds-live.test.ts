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

test('abortOnFail on session_loss_rate works live: the run stops as soon as users lose their session', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-abort-loss-'));
  try {
    const run = await runCli('scenario.ts', ['test/fixtures/scenarios/abort-on-loss.ts', '--out', dir, '--quiet']);
    assert.equal(run.code, 99, run.stderr);
    assert.match(run.stderr, /threshold session_loss_rate 'rate==0' failed .*abortOnFail/);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    // The live snapshot used to carry no session counts: the run went its whole 30 s.
    assert.ok(result.durationMs < 15_000, `ran ${result.durationMs} ms of 30 s`);
    const loss = result.thresholds?.results.find((t) => t.metric === 'session_loss_rate');
    assert.equal(loss?.passed, false);
    assert.match(loss?.message ?? '', /aborted the run/);
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
    // The median of two runs is their mean (a check that a value lies between them cannot fail).
    // (12 significant digits, as median-result rounds: 3254.35, not 3254.3500000000004)
    assert.equal(median.requests.rps, Number(((runs[0]!.requests.rps + runs[1]!.requests.rps) / 2).toPrecision(12)));
    // Each run keeps its own verdict; the repeat's lists them.
    assert.deepEqual(median.verdict?.runs?.map((r) => r.runId), runs.map((r) => r.runId));
    assert.deepEqual(median.verdict?.runs?.map((r) => r.status), runs.map((r) => r.verdict?.status));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const r of runs) assert.ok(html.includes(r.runId), 'every run is in the report');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
