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
