/** `npm run report`: valid files -> one HTML file; any bad file -> exit 104, named, and nothing written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runReportCli } from '../../harness/cli/report.js';
import { fixtureFiles } from '../fixtures/report/make-fixtures.js';

const root = join(fixtureFiles.files, '..', '..', '..', '..');

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'psl-report-cli-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReportCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The CLI as npm runs it: a real process and its real exit code. */
function spawnCli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'harness/cli/report.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
}

test('writes one report for several results; default output is report.html beside the first', async () => {
  await inTemp(async (dir) => {
    const a = join(dir, 'files.json');
    const b = join(dir, 'redis.json');
    await copyFile(fixtureFiles.files, a);
    await copyFile(fixtureFiles.redis, b);
    const res = spawnCli([a, b]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /wrote .*report\.html/);
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<\/html>\n$/);
    assert.deepEqual((await readdir(dir)).sort(), ['files.json', 'redis.json', 'report.html']);
  });
});

test('--out names the file; a directory gets report.html inside it', async () => {
  await inTemp(async (dir) => {
    const file = join(dir, 'nested', 'cmp.html');
    const res = await run([fixtureFiles.files, fixtureFiles.affinity, '--out', file, '--title', 'My title']);
    assert.equal(res.code, 0, res.err);
    assert.match(await readFile(file, 'utf8'), /<title>My title<\/title>/);
    const res2 = await run([fixtureFiles.redis, `--out=${dir}`]);
    assert.equal(res2.code, 0, res2.err);
    assert.match(await readFile(join(dir, 'report.html'), 'utf8'), /<!doctype html>/);
  });
});

test('truncated, other-schema, invalid and missing files: exit 104, each named, no report written', async () => {
  await inTemp(async (dir) => {
    const good = join(dir, 'good.json');
    await copyFile(fixtureFiles.redis, good);
    const text = await readFile(fixtureFiles.redis, 'utf8');
    const truncated = join(dir, 'truncated.json');
    await writeFile(truncated, text.slice(0, 700));
    const other = join(dir, 'other.json');
    await writeFile(other, JSON.stringify({ schema: 'k6/summary@1', metrics: {} }));
    const invalid = join(dir, 'invalid.json');
    const bad = JSON.parse(text);
    bad.requests.total = -5;
    await writeFile(invalid, JSON.stringify(bad));
    const missing = join(dir, 'missing.json');
    const out = join(dir, 'out.html');

    const cases: [string, RegExp][] = [
      [truncated, /truncated\.json: not valid JSON .*truncated/],
      [other, /other\.json: "schema" is "k6\/summary@1", expected "php-session-lab\/result@1"/],
      [invalid, /invalid\.json: invalid result — requests\.total/],
      [missing, /missing\.json: cannot read result file \(ENOENT\)/],
    ];
    for (const [file, message] of cases) {
      const res = await run([good, file, '--out', out]);
      assert.equal(res.code, 104, `${file}: exit 104`);
      assert.match(res.err, message);
      assert.equal(res.err.split('\n').length, 1, 'one line per bad file');
    }
    // All bad files at once: every one named.
    const all = await run([truncated, other, invalid, '--out', out]);
    assert.equal(all.code, 104);
    assert.equal(all.err.split('\n').length, 3);
    assert.deepEqual((await readdir(dir)).sort(), ['good.json', 'invalid.json', 'other.json', 'truncated.json'], 'no report, no temp file');

    // The real process exits 104 too, and an existing report is left as it was.
    await writeFile(out, 'previous report');
    const res = spawnCli([good, truncated, '--out', out]);
    assert.equal(res.status, 104, res.stderr);
    assert.match(res.stderr, /truncated\.json/);
    assert.equal(await readFile(out, 'utf8'), 'previous report');
  });
});

test('bad arguments: exit 104 with the usage', async () => {
  const none = await run([]);
  assert.equal(none.code, 104);
  assert.match(none.err, /no result files given; usage: npm run report/);
  const flag = await run([fixtureFiles.redis, '--bogus']);
  assert.equal(flag.code, 104);
  assert.match(flag.err, /--bogus/);
  const empty = await run([fixtureFiles.redis, '--out', '']);
  assert.equal(empty.code, 104);
  assert.equal((await run(['--help'])).code, 0);
});

// ---- Issue 19: inputs and --out checked before anything is read or written ----

test('regression: --out equal to an input result.json is refused (104) and the input is left as it was', async () => {
  await inTemp(async (dir) => {
    const input = join(dir, 'result.json');
    await copyFile(fixtureFiles.redis, input);
    const before = await readFile(input, 'utf8');
    await symlink(input, join(dir, 'alias.json'));
    const relative = join(dir, '.', 'sub', '..', 'result.json');
    await mkdir(join(dir, 'sub'));
    for (const out of [input, join(dir, 'alias.json'), relative]) {
      const res = await run([fixtureFiles.files, input, '--out', out]);
      assert.equal(res.code, 104, `${out}: ${res.err}`);
      assert.match(res.err, /^report: --out .*: is the input .*result\.json; writing it would replace what is being read/);
      assert.equal(res.err.split('\n').length, 1);
    }
    // The default output (report.html beside the first input) is an input too here.
    const named = join(dir, 'report.html');
    await copyFile(fixtureFiles.redis, named);
    const res = await run([named]);
    assert.equal(res.code, 104, res.err);
    assert.match(res.err, /is the input/);
    assert.equal(await readFile(input, 'utf8'), before);
    assert.deepEqual((await readdir(dir)).sort(), ['alias.json', 'report.html', 'result.json', 'sub']);
  });
});

test('regression: a FIFO as input or --out, a directory or an empty file as input: 104 without hanging', async () => {
  await inTemp(async (dir) => {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '');
    const deep = join(dir, 'deep.json');
    await writeFile(deep, '['.repeat(100_000) + ']'.repeat(100_000));
    const cases: Array<[string[], RegExp]> = [
      [[fifo], /fifo: is a FIFO \(named pipe\), not a result file/],
      [[fixtureFiles.redis, '--out', fifo], /--out .*fifo: is a FIFO \(named pipe\), not a regular file/],
      [[dir], /is a directory, not a result file/],
      [[empty], /empty\.json: the result file is empty/],
      [[deep], /deep\.json:1:65: nested deeper than 64 levels/],
      [['/dev/zero'], /is a character device, not a result file/],
    ];
    for (const [argv, message] of cases) {
      const started = Date.now();
      const res = spawnCli(argv);
      assert.equal(res.status, 104, `${argv.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
      assert.ok(Date.now() - started < 20_000, 'did not hang');
    }
    assert.deepEqual((await readdir(dir)).sort(), ['deep.json', 'empty.json', 'fifo']);
  });
});

test('--out in a place that cannot be written (under a regular file) is refused before the inputs are read', async () => {
  await inTemp(async (dir) => {
    const plain = join(dir, 'plain');
    await writeFile(plain, '');
    const res = await run([join(dir, 'missing.json'), '--out', join(plain, 'r.html')]);
    assert.equal(res.code, 104);
    assert.match(res.err, /--out .*plain\/r\.html: cannot be written: .*plain is a regular file, not a directory/);
    assert.doesNotMatch(res.err, /missing\.json/, 'the output place is checked first');
  });
});
