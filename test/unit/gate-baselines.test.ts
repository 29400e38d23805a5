import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../harness/errors.js';
import { loadBaselines } from '../../harness/gate/baseline-loader.js';
import { computeMedianResult } from '../../harness/results/median-result.js';
import { makeResult } from '../fixtures/results/make-result.js';

const fixtures = new URL('../fixtures/results/', import.meta.url).pathname;

async function withTemp(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'gate-baselines-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a directory is searched recursively for result.json files, in name order', async () => {
  const current = makeResult({ runId: 'now' });
  const loaded = await loadBaselines([join(fixtures, 'baselines')], current, join(fixtures, 'current-ok.result.json'));
  assert.deepEqual(loaded.map((b) => b.result.runId), ['baseline-1', 'baseline-2', 'baseline-3']);
});

test('files and directories mix; duplicates and the current result itself are skipped', async () => {
  const current = join(fixtures, 'baselines/run-2/result.json');
  const loaded = await loadBaselines(
    [join(fixtures, 'baselines'), join(fixtures, 'baselines/run-1/result.json'), join(fixtures, 'current-ok.result.json')],
    makeResult(),
    current,
  );
  assert.deepEqual(loaded.map((b) => b.result.runId), ['baseline-1', 'baseline-3', 'current-ok']);
});

test('a baseline of another scenario is refused, naming both scenarios', async () => {
  await assert.rejects(
    loadBaselines([join(fixtures, 'other-scenario.result.json')], makeResult(), 'x.json'),
    (e: unknown) =>
      e instanceof InvalidInputError && /scenario "affinity-failover", the result is of "redis-failover"/.test(e.message),
  );
});

test('another schema, a missing path or an empty directory is refused with InvalidInputError', async () => {
  await withTemp(async (dir) => {
    const old = join(dir, 'old', 'result.json');
    await mkdir(join(dir, 'old'));
    await writeFile(old, JSON.stringify({ ...makeResult(), schema: 'php-session-lab/result@0' }));
    await assert.rejects(loadBaselines([dir], makeResult(), 'x.json'), (e: unknown) => e instanceof InvalidInputError && /expected "php-session-lab\/result@1"/.test(e.message));
    await assert.rejects(loadBaselines([join(dir, 'missing')], makeResult(), 'x.json'), /no such file or directory/);
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'empty', 'notes.json'), '{}');
    await assert.rejects(loadBaselines([join(dir, 'empty')], makeResult(), 'x.json'), /holds no result\.json/);
  });
});

/** What `--repeat N --out DIR` leaves: DIR/run-1..N/result.json and their median DIR/result.json. */
async function writeRepeat(dir: string, runIds: string[]): Promise<string> {
  const runs = runIds.map((runId, i) => makeResult({ runId, rps: 1000 + 10 * i }));
  for (const [i, run] of runs.entries()) {
    await mkdir(join(dir, `run-${i + 1}`), { recursive: true });
    await writeFile(join(dir, `run-${i + 1}`, 'result.json'), JSON.stringify(run));
  }
  await writeFile(join(dir, 'result.json'), JSON.stringify(computeMedianResult(runs)));
  return join(dir, 'result.json');
}

test('a --repeat directory loads its runs, not the runs plus their median', async () => {
  await withTemp(async (dir) => {
    const median = await writeRepeat(join(dir, 'rep'), ['r1', 'r2', 'r3']);
    const ids = async (args: string[], currentPath = 'x.json', current = makeResult({ runId: 'now' })) =>
      (await loadBaselines(args, current, currentPath)).map((b) => b.result.runId);
    assert.deepEqual(await ids([join(dir, 'rep')]), ['r1', 'r2', 'r3']);
    // Also when the directory holding it is searched from above.
    assert.deepEqual(await ids([dir]), ['r1', 'r2', 'r3']);
    // A median given as a file is a deliberate choice: loaded.
    assert.deepEqual(await ids([median]), ['median-of-3']);
    assert.deepEqual(await ids([join(dir, 'rep'), median]), ['median-of-3', 'r1', 'r2', 'r3']);
    // Gating one of the runs against its own repeat: the other runs, not the median it is part of.
    assert.deepEqual(await ids([join(dir, 'rep')], join(dir, 'rep', 'run-2', 'result.json'), makeResult({ runId: 'r2' })), ['r1', 'r3']);
  });
});

test('medians whose runs are not there are loaded (CI keeping only each repeat\'s median)', async () => {
  await withTemp(async (dir) => {
    await writeRepeat(join(dir, 'a'), ['a1', 'a2', 'a3']);
    await writeRepeat(join(dir, 'b'), ['b1', 'b2', 'b3']);
    await rm(join(dir, 'b', 'run-1'), { recursive: true });
    await rm(join(dir, 'b', 'run-2'), { recursive: true });
    await rm(join(dir, 'b', 'run-3'), { recursive: true });
    const loaded = await loadBaselines([dir], makeResult({ runId: 'now' }), 'x.json');
    assert.deepEqual(loaded.map((b) => b.result.runId), ['a1', 'a2', 'a3', 'median-of-3']);
    assert.equal(loaded[3]!.path, join(dir, 'b', 'result.json'));
  });
});
