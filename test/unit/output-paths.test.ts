/**
 * Output places are checked before any work (harness/cli/output-paths.ts) and the gate's
 * outputs are written all-or-nothing (harness/util/atomic-write.ts writeFilesAtomically).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../harness/errors.js';
import { canonicalPath, checkOutputDir, checkOutputFiles } from '../../harness/cli/output-paths.js';
import { writeFilesAtomically } from '../../harness/util/atomic-write.js';
import { main as gateMain } from '../../harness/cli/gate.js';
import { projectRoot } from '../../harness/util/project-root.js';

const fixture = join(projectRoot, 'test', 'fixtures', 'results', 'current-ok.result.json');

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'psl-out-'));
  try {
    return await fn(dir);
  } finally {
    await chmod(dir, 0o700).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidInputError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

test('canonicalPath: real path of the existing prefix plus the rest', async () => {
  await inTemp(async (dir) => {
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'link'));
    const real = await canonicalPath(join(dir, 'real'));
    assert.equal(await canonicalPath(join(dir, 'link', 'a', 'b.json')), join(real, 'a', 'b.json'));
    assert.equal(await canonicalPath(join(dir, 'link', '..', 'real', 'x')), join(real, 'x'));
  });
});

test('checkOutputFiles: a new file in a new directory, or an existing regular file, is fine', async () => {
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'old.xml'), 'x');
    await checkOutputFiles([{ label: '--junit', path: join(dir, 'new', 'deeper', 'j.xml') }, { label: '--json', path: join(dir, 'old.xml') }], []);
    assert.deepEqual(await readdir(dir), ['old.xml'], 'checking creates nothing');
  });
});

test('checkOutputFiles: an input (also through a symlink or ..), a FIFO, a directory, a file as parent, the same file twice', async () => {
  await inTemp(async (dir) => {
    const input = join(dir, 'result.json');
    await writeFile(input, '{}');
    await symlink(input, join(dir, 'alias.json'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'plain'), '');
    const cases: Array<[string, RegExp]> = [
      [input, /is the input .*result\.json/],
      [join(dir, 'alias.json'), /is the input/],
      [join(dir, 'sub', '..', 'result.json'), /is the input/],
      [join(dir, 'fifo'), /is a FIFO \(named pipe\), not a regular file/],
      [join(dir, 'sub'), /is a directory, not a regular file/],
      [join(dir, 'plain', 'x.md'), /cannot be written: .*plain is a regular file, not a directory/],
      ['/dev/null', /is a character device/],
      ['', /is empty/],
    ];
    for (const [path, pattern] of cases) await rejectsWith(checkOutputFiles([{ label: '--out', path }], [input]), pattern);
    await rejectsWith(
      checkOutputFiles([{ label: '--junit', path: join(dir, 'a.xml') }, { label: '--json', path: join(dir, 'sub', '..', 'a.xml') }], []),
      /--json .*: is also --junit/,
    );
  });
});

test("checkOutputDir: a run's --out must not be an existing non-directory, nor hold an input", async () => {
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'file'), 'x');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const scenario = join(dir, 'runs', 'result.json');
    await mkdir(join(dir, 'runs'));
    await writeFile(scenario, '{}');
    await checkOutputDir(join(dir, 'new', 'run'), { label: '--out', inputs: [scenario], files: ['result.json'] });
    await checkOutputDir(join(dir, 'runs'), { label: '--out', inputs: [], files: ['result.json'] });
    await rejectsWith(checkOutputDir(join(dir, 'file'), { label: '--out', inputs: [], files: [] }), /is a regular file; --out names a directory/);
    await rejectsWith(checkOutputDir(join(dir, 'fifo'), { label: '--out', inputs: [], files: [] }), /is a FIFO/);
    await rejectsWith(checkOutputDir(join(dir, 'file', 'x'), { label: '--out', inputs: [], files: [] }), /file is a regular file, not a directory/);
    await rejectsWith(checkOutputDir(join(dir, 'runs'), { label: '--out', inputs: [scenario], files: ['result.json'] }), /result\.json in it would replace the input/);
  });
});

test('writeFilesAtomically: all files, an append keeping what was there and its mode', async () => {
  await inTemp(async (dir) => {
    const summary = join(dir, 'summary.md');
    await writeFile(summary, 'earlier\n', { mode: 0o640 });
    await chmod(summary, 0o640);
    await writeFilesAtomically([
      { path: join(dir, 'a', 'b', 'one.txt'), data: '1' },
      { path: summary, data: 'later\n', append: true },
    ]);
    assert.equal(await readFile(join(dir, 'a', 'b', 'one.txt'), 'utf8'), '1');
    assert.equal(await readFile(summary, 'utf8'), 'earlier\nlater\n');
    assert.equal((await stat(summary)).mode & 0o777, 0o640);
  });
});

test('writeFilesAtomically: a failure writes nothing, leaves no temp file and no directory it made', async () => {
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'keep.txt'), 'before');
    await writeFile(join(dir, 'plain'), '');
    await assert.rejects(
      writeFilesAtomically([
        { path: join(dir, 'keep.txt'), data: 'after' },
        { path: join(dir, 'made', 'deep', 'x.txt'), data: 'x' },
        { path: join(dir, 'plain', 'y.txt'), data: 'y' },
      ]),
      /ENOTDIR|EEXIST/,
    );
    assert.equal(await readFile(join(dir, 'keep.txt'), 'utf8'), 'before');
    assert.deepEqual((await readdir(dir)).sort(), ['keep.txt', 'plain']);
  });
});

/** The gate in-process; stdout is its text verdict. */
async function gate(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const errors: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const out = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return { code: await gateMain(argv, env), stderr: errors.join('') };
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
  }
}

test('regression: gate --json in a bad place exits 104 before writing the JUnit file (nothing half-written)', async () => {
  await inTemp(async (dir) => {
    const result = join(dir, 'result.json');
    await copyFile(fixture, result);
    const before = await readFile(result, 'utf8');
    await mkdir(join(dir, 'a-directory'));
    for (const json of [join(dir, 'a-directory'), join(dir, 'result.json'), join(dir, 'junit.xml')]) {
      const run = await gate([result, '--junit', join(dir, 'junit.xml'), '--json', json]);
      assert.equal(run.code, 104, run.stderr);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /--json/);
    }
    assert.deepEqual((await readdir(dir)).sort(), ['a-directory', 'result.json'], 'no JUnit file, no temp file');
    assert.equal(await readFile(result, 'utf8'), before, 'the result is not annotated either');
  });
});

test('gate: a FIFO as result, baseline, --summary or $GITHUB_STEP_SUMMARY is refused without hanging', async () => {
  await inTemp(async (dir) => {
    const result = join(dir, 'result.json');
    await copyFile(fixture, result);
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [[fifo], {}, /fifo: is a FIFO \(named pipe\), not a result file/],
      [[result, '--baseline', fifo], {}, /--baseline .*fifo: is a FIFO/],
      [[result, '--summary', fifo], {}, /--summary .*fifo: is a FIFO/],
      [[result], { GITHUB_STEP_SUMMARY: fifo }, /GITHUB_STEP_SUMMARY .*fifo: is a FIFO/],
      [[result, '--junit', '/dev/full'], {}, /--junit \/dev\/full: is a character device/],
    ];
    for (const [argv, env, pattern] of cases) {
      const run = await gate(argv, env);
      assert.equal(run.code, 104, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
    }
  });
});

test('gate: the output places are checked before the result is read', async () => {
  await inTemp(async (dir) => {
    await writeFile(join(dir, 'plain'), '');
    const run = await gate([join(dir, 'missing.json'), '--junit', join(dir, 'plain', 'j.xml')]);
    assert.equal(run.code, 104, run.stderr);
    assert.match(run.stderr, /--junit .*plain\/j\.xml: cannot be written/);
    assert.doesNotMatch(run.stderr, /missing\.json/);
  });
});

test('gate: every output written together when all is well', async () => {
  await inTemp(async (dir) => {
    const result = join(dir, 'result.json');
    await copyFile(fixture, result);
    const summary = join(dir, 'step-summary.md');
    await writeFile(summary, 'earlier step\n');
    const run = await gate([result, '--junit', join(dir, 'out', 'j.xml'), '--json', join(dir, 'out', 'v.json')], { GITHUB_STEP_SUMMARY: summary });
    assert.ok(run.code === 0 || run.code === 99, run.stderr);
    assert.match(await readFile(join(dir, 'out', 'j.xml'), 'utf8'), /<testsuite/);
    assert.equal(typeof JSON.parse(await readFile(join(dir, 'out', 'v.json'), 'utf8')).passed, 'boolean');
    assert.match(await readFile(summary, 'utf8'), /^earlier step\n.*gate/s);
    assert.ok('gate' in JSON.parse(await readFile(result, 'utf8')));
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), ['j.xml', 'v.json']);
  });
});

/** Root writes anywhere: read-only places are tried as an unprivileged user (nobody). */
function unprivileged(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  return { uid: 65534, gid: 65534 };
}

test('regression: a read-only --out / --junit place is refused with 104 before any work (as an unprivileged user)', async (t) => {
  const user = unprivileged();
  await inTemp(async (dir) => {
    await chmod(dir, 0o755);
    const result = join(dir, 'result.json');
    await copyFile(fixture, result);
    await chmod(result, 0o644);
    const readOnly = join(dir, 'read-only');
    await mkdir(readOnly, { mode: 0o555 });
    await chmod(readOnly, 0o555);
    const cli = (name: string, args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot, 'harness', 'cli', name), ...args], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, PSL_BIN_DIRS: join(dir, 'no-binaries'), PSL_RUNS_DIR: join(dir, 'runs') },
        ...(user ?? {}),
      });
    if (user) {
      const probe = cli('gate.ts', ['--help']);
      if (probe.status !== 0) return t.skip(`cannot run the CLI as uid ${user.uid}: ${probe.stderr.slice(0, 200)}`);
    }
    const gateRun = cli('gate.ts', [result, '--no-write-result', '--junit', join(readOnly, 'j.xml')]);
    assert.equal(gateRun.status, 104, gateRun.stderr);
    assert.match(gateRun.stderr, /--junit .*read-only\/j\.xml: cannot be written: .*read-only is not writable: permission denied/);
    const reportRun = cli('report.ts', [result, '--out', join(readOnly, 'nested', 'r.html')]);
    assert.equal(reportRun.status, 104, reportRun.stderr);
    assert.match(reportRun.stderr, /not writable/);
    const scenarioRun = cli('scenario.ts', ['redis-failover', '--duration', '2s', '--out', join(readOnly, 'run')]);
    assert.equal(scenarioRun.status, 104, scenarioRun.stderr);
    assert.equal(scenarioRun.stderr.trim().split('\n').length, 1, scenarioRun.stderr);
    assert.match(scenarioRun.stderr, /^error: --out .*read-only\/run: cannot be written: .*not writable/);
    assert.deepEqual(await readdir(readOnly), []);
    await assert.rejects(stat(join(dir, 'runs')), { code: 'ENOENT' }, 'no run directory: nothing started');
  });
});
