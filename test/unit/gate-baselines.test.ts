import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../harness/errors.js';
import { loadBaselines } from '../../harness/gate/baseline-loader.js';
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
