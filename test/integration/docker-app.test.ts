/**
 * topology.app on the docker provider: the journey fixture (test/fixtures/journey-app) served
 * from docker nodes (root mounted read-only, a writable copy per container), redis sessions,
 * node-2 SIGKILLed mid-run and restored: no user loses the login, answers come from both
 * nodes, the app's code is untouched and nothing of the run is left behind.
 * Skipped, with the reason, when no Docker daemon can be had.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import fixture from '../fixtures/scenarios/journey-fixture.js';
import { dockerCannotRunReason } from '../helpers/docker-available.js';
import { ensureImages } from '../../harness/topology/docker/docker-images.js';
import { listRunObjects } from '../../harness/topology/docker/docker-labels.js';
import { projectRoot } from '../../harness/util/project-root.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { runCli } from '../helpers/run-cli.js';
import { treeDigest } from '../helpers/tree-digest.js';

const appRoot = join(projectRoot, 'test', 'fixtures', 'journey-app');

test('your app on docker nodes: the journey fixture with redis through a node-kill loses no user', { timeout: 10 * 60_000 }, async (t) => {
  const reason = await dockerCannotRunReason();
  if (reason) {
    t.skip(`docker unavailable: ${reason}`);
    return;
  }
  // Built once per Dockerfile change (minutes); cached: well under a second. Not part of the run.
  await ensureImages(['php-node', 'balancer-nginx', 'redis'], (m) => t.diagnostic(m));
  const digest = treeDigest(appRoot);
  const dir = mkdtempSync(join(tmpdir(), 'psl-docker-app-'));
  try {
    const scenario = {
      ...fixture,
      name: 'journey-fixture-docker',
      topology: { ...fixture.topology, provider: 'docker' },
      workload: { ...fixture.workload, duration: '8s' },
      faults: [{ type: 'node-kill', target: 'node-2', at: '30%', restoreAt: '70%' }],
    };
    const file = join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(scenario));
    const t0 = performance.now();
    const run = await runCli('scenario.ts', [file, '--out', join(dir, 'out'), '--quiet'], { timeoutMs: 5 * 60_000 });
    t.diagnostic(`run through the CLI: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const resultFile = join(dir, 'out', 'result.json');
    assert.ok(existsSync(resultFile), `no result.json (exit ${run.code}): ${run.stderr.slice(-3000)}`);
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult;
    t.diagnostic(`users ${JSON.stringify(result.sessions)}; nodes ${JSON.stringify(result.nodesServed)}; outcomes ${JSON.stringify(result.outcomes)}`);
    assert.equal(result.provider, 'docker');
    // The machine is ours in CI: a guard that fired makes the run invalid, and an invalid run fails here.
    assert.equal(run.code, 0, `${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    assert.equal(result.sessions.users, 6);
    assert.equal(result.sessions.lost, 0, JSON.stringify(result.sessions));
    assert.equal(result.sessions.intact + result.sessions.recovered, 6, JSON.stringify(result.sessions));
    assert.equal(result.outcomes.leak, 0);
    assert.equal(result.outcomes.reset, 0, 'nobody logged out: the login lives in Redis');
    assert.ok(result.outcomes.ok > 20, JSON.stringify(result.outcomes));
    // X-PSL-Node: every answer attributed to the container that served it.
    assert.deepEqual(Object.keys(result.nodesServed).sort(), ['node-1', 'node-2'], JSON.stringify(result.nodesServed));
    assert.deepEqual(
      result.faults.map((f) => [f.type, f.target, f.status]),
      [['node-kill', 'node-2', 'applied']],
    );
    assert.deepEqual(await listRunObjects(result.runId), { containers: [], networks: [] }, 'nothing of the run is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(treeDigest(appRoot), digest, "the app's code is untouched");
  assert.ok(!existsSync(join(appRoot, 'public', 'data')), 'nothing written into the app root');
});
