import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResult } from '../../harness/results/result-file.js';
import type { GateVerdict } from '../../harness/gate/gate-types.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/results');
const baselines = join(fixtures, 'baselines');

function gate(args: string[], env: Record<string, string> = {}) {
  const clean = { ...process.env };
  delete clean.GITHUB_STEP_SUMMARY;
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/gate.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...clean, ...env },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function tempCopy(name: string) {
  const dir = await mkdtemp(join(tmpdir(), 'gate-cli-'));
  const path = join(dir, 'result.json');
  await copyFile(join(fixtures, name), path);
  return { dir, path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

test('exit 0 when everything passes; writes JUnit, Markdown, JSON and the verdict into the result', async () => {
  const t = await tempCopy('current-ok.result.json');
  try {
    const r = gate([t.path, '--baseline', baselines, '--junit', join(t.dir, 'junit.xml'), '--summary', join(t.dir, 's.md'), '--json', join(t.dir, 'v.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Gate passed: redis-failover \(run current-ok\) — 10 passed, 0 failed, 0 unknown, 3 baseline runs/);
    // default --max-regression p50=25%,p99=50%,rps=20%, each beyond the baselines' median plus 2 MAD
    assert.match(r.stdout, /PASS\s+regression\s+p50\s+≤ 65\.93ms \(\+25% \+ 2 MAD\)/);
    assert.match(r.stdout, /PASS\s+regression\s+p99\s+≤ 389\.65ms \(\+50% \+ 2 MAD\)/);
    assert.match(r.stdout, /PASS\s+regression\s+rps\s+≥ 681\.39\/s \(-20% − 2 MAD\)/);
    const stored = parseResult(JSON.parse(await readFile(t.path, 'utf8')), t.path);
    const verdict = stored.gate!;
    assert.equal(verdict.passed, true);
    assert.equal(verdict.checks.length, 10, 'built-in checks (users judged, healthy before the fault, the fault applied) + thresholds + regressions');
    assert.deepEqual(JSON.parse(await readFile(join(t.dir, 'v.json'), 'utf8')), verdict);
    assert.match(await readFile(join(t.dir, 'junit.xml'), 'utf8'), /tests="10" failures="0"/);
    assert.match(await readFile(join(t.dir, 's.md'), 'utf8'), /^### ✅ Performance gate passed/);
  } finally {
    await t.cleanup();
  }
});

test('exit 99 on a regression and a failed threshold; appends to $GITHUB_STEP_SUMMARY', async () => {
  const t = await tempCopy('current-slow.result.json');
  try {
    const summary = join(t.dir, 'step-summary.md');
    await writeFile(summary, 'earlier step\n');
    const r = gate([t.path, '--baseline', baselines, '--max-regression', 'p99=10%,rps=5%', '--threshold', 'session_loss_rate:rate==0', '--junit', join(t.dir, 'j.xml')], {
      GITHUB_STEP_SUMMARY: summary,
    });
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stdout, /FAIL\s+regression\s+p99\s+≤ 293\.65ms \(\+10% \+ 2 MAD\)\s+330ms \(\+37\.5%\)\s+240ms \(n=3, MAD 14\.83ms, 230ms\.\.250ms\)/);
    assert.match(r.stdout, /FAIL\s+threshold\s+latency\s+p\(99\)<300\s+330ms/);
    assert.match(r.stdout, /PASS\s+threshold\s+session_loss_rate\s+rate==0/);
    const md = await readFile(summary, 'utf8');
    assert.ok(md.startsWith('earlier step\n### ❌ Performance gate FAILED'), md.slice(0, 80));
    assert.match(await readFile(join(t.dir, 'j.xml'), 'utf8'), /failures="4"/);
    assert.equal((JSON.parse(await readFile(t.path, 'utf8')) as { gate: GateVerdict }).gate.passed, false);
  } finally {
    await t.cleanup();
  }
});

test('--no-write-result and --no-summary leave the result and the step summary alone', async () => {
  const t = await tempCopy('current-slow.result.json');
  try {
    const before = await readFile(t.path, 'utf8');
    const summary = join(t.dir, 'step-summary.md');
    await writeFile(summary, '');
    const r = gate([t.path, '--no-write-result', '--no-summary'], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(r.code, 99);
    assert.equal(await readFile(t.path, 'utf8'), before);
    assert.equal(await readFile(summary, 'utf8'), '');
  } finally {
    await t.cleanup();
  }
});

test('exit 104 with a one-line message for bad input, and nothing written', async () => {
  const t = await tempCopy('current-ok.result.json');
  try {
    const before = await readFile(t.path, 'utf8');
    const cases: Array<[string[], RegExp]> = [
      [['--baseline', join(fixtures, 'other-scenario.result.json')], /scenario "affinity-failover", the result is of "redis-failover"/],
      [['--threshold', 'latency:p99<250'], /--threshold: threshold latency: "p99<250" is not a valid expression/],
      [['--threshold', 'speed:value>1'], /metric one of latency, rps/],
      [['--max-regression', 'p99=10%'], /--max-regression needs at least one --baseline/],
      [['--baseline', baselines, '--max-regression', 'p99=10'], /"p99=10" is not key=N%/],
      [['--baseline', join(t.dir, 'nope')], /no such file or directory/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const r = gate([t.path, '--junit', join(t.dir, 'j.xml'), ...args]);
      assert.equal(r.code, 104, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(r.stdout, '');
    }
    assert.equal(await readFile(t.path, 'utf8'), before);
    await assert.rejects(readFile(join(t.dir, 'j.xml')), { code: 'ENOENT' });
    assert.equal(gate([]).code, 104);
    assert.match(gate([join(t.dir, 'missing.json')]).stderr, /cannot read result file/);
    await writeFile(join(t.dir, 'bad.json'), '{"schema":"php-session-lab/result@0"}');
    const other = gate([join(t.dir, 'bad.json')]);
    assert.equal(other.code, 104);
    assert.match(other.stderr, /expected "php-session-lab\/result@1"/);
  } finally {
    await t.cleanup();
  }
});
