/** Bad input gets a one-line error naming the field and a non-zero exit (DESIGN exit codes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';

test('an unknown scenario lists the known ones (exit 104)', async () => {
  const run = await runCli('scenario.ts', ['no-such-scenario']);
  assert.equal(run.code, 104);
  assert.match(run.stderr, /unknown scenario "no-such-scenario"/);
  assert.match(run.stderr, /redis-failover/);
  assert.match(run.stderr, /affinity-failover/);
});

test('a bad flag value names the flag (exit 104)', async () => {
  for (const [flag, value] of [['--users', 'many'], ['--duration', '5 minutes'], ['--balancer', 'traefik'], ['--strategy', 'memcached'], ['--connections', '0']] as const) {
    const run = await runCli('scenario.ts', ['redis-failover', flag, value]);
    assert.equal(run.code, 104, `${flag} ${value}: ${run.stderr}`);
    assert.ok(run.stderr.includes(flag), `${flag} not named in: ${run.stderr}`);
  }
});

test('an invalid combination lists every problem before anything starts (exit 104)', async () => {
  const run = await runCli('scenario.ts', ['redis-failover', '--users', '4', '--connections', '8', '--nodes', '1']);
  assert.equal(run.code, 104);
  assert.match(run.stderr, /workload\.users/);
  assert.match(run.stderr, /faults\[0\]\.target/);
});

test('a missing binary names the package to install (exit 105) and leaves nothing behind', async () => {
  const out = mkdtempSync(join(tmpdir(), 'psl-missing-'));
  const run = await runCli('scenario.ts', ['redis-failover', '--duration', '5s', '--out', out], { env: { PSL_BIN_DIRS: out } });
  assert.equal(run.code, 105, run.stderr);
  assert.match(run.stderr, /php-fpm/);
  assert.match(run.stderr, /apt-get install -y php-fpm/);
  assert.deepEqual(readdirSync(out), [], 'no half-written result');
});

test('--list shows every scenario with its description', async () => {
  const run = await runCli('scenario.ts', ['--list']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /redis-failover\s+A node dies/);
  assert.match(run.stdout, /files-roundrobin/);
});

// ---- Issue 19: every bad scenario file, flag or output place is refused before anything starts ----

/** A scratch directory; PSL_RUNS_DIR inside it stays absent when nothing started, PSL_BIN_DIRS finds no server. */
function scratch(): { dir: string; env: Record<string, string>; runsDir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'psl-cli-input-'));
  const runsDir = join(dir, 'runs');
  return {
    dir,
    runsDir,
    env: { PSL_RUNS_DIR: runsDir, PSL_BIN_DIRS: join(dir, 'no-binaries') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const validScenario = {
  name: 'cli-input-json',
  topology: { nodes: 2, strategy: 'redis' },
  workload: { users: 10, connections: 2, duration: '2s' },
  faults: [{ type: 'redis-down', at: '25%', duration: '25%' }],
};

function assertRefused(run: { code: number | null; stderr: string }, what: string, message: RegExp): void {
  assert.equal(run.code, 104, `${what}: exit ${run.code}: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `${what}: no stack trace`);
  assert.match(lines[0]!, message, what);
}

test('regression: bad scenario files exit 104 with one line naming the file, and nothing starts', async () => {
  const s = scratch();
  try {
    const files: Array<[string, string | null, RegExp]> = [
      ['empty.ts', '', /empty\.ts: the scenario file is empty/],
      ['blank.ts', '  \n\n', /blank\.ts: the scenario file holds only whitespace/],
      ['truncated.ts', 'export default {\n  name: "x",\n  topology: {', /truncated\.ts: cannot compile the scenario module: 3:\d+: /],
      ['syntax.ts', 'export default { name: "x" ]];\n', /syntax\.ts: cannot compile the scenario module: 1:\d+: /],
      ['commented.ts', '// export default defineScenario({})\n/* nothing */\n', /commented\.ts: the scenario file holds only comments/],
      ['null.ts', 'export default null;\n', /null\.ts: the scenario is null: it must be an object/],
      ['string.ts', 'export default "redis-failover";\n', /string\.ts: the scenario is a string/],
      ['no-default.ts', 'export const scenario = { name: "x" };\n', /no-default\.ts: a scenario file must `export default/],
      ['throws.ts', 'throw new Error("no config here");\nexport default {};\n', /throws\.ts: the scenario module threw while loading: Error: no config here/],
      ['deep.ts', `export default { name: "x", steps: ${'['.repeat(100_000)}${']'.repeat(100_000)} };\n`, /deep\.ts:1:\d+: nested deeper than 100 levels/],
      ['deep-data.ts', 'let d: unknown = 1; for (let i = 0; i < 100000; i++) d = [d];\nexport default { name: "x", steps: d };\n', /deep-data\.ts: invalid scenario — steps(\[0\])+: nested deeper than 32 levels/],
      ['cyclic.ts', 'const s: any = { name: "x" }; s.topology = s;\nexport default s;\n', /cyclic\.ts: invalid scenario — topology: refers back/],
      ['deep.json', `{"name": "x", "steps": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /deep\.json:1:\d+: nested deeper than 32 levels/],
      ['truncated.json', '{"name": "x", "topology": {', /truncated\.json: not valid JSON .*truncated/],
      ['array.json', '[]', /array\.json: the scenario is an array/],
      ['scenario.yaml', 'name: x\n', /scenario\.yaml: "\.yaml" files are not scenario files: give a TypeScript \(\.ts\) or JSON \(\.json\) file/],
      ['huge.json', `{"description": "${'x'.repeat(1_100_000)}"}`, /huge\.json: the scenario file is \d+ bytes, more than the 1048576 allowed/],
      ['missing.ts', null, /missing\.ts: no such file or directory/],
    ];
    const out = join(s.dir, 'out');
    for (const [name, content, message] of files) {
      if (content !== null) writeFileSync(join(s.dir, name), content);
      const run = await runCli('scenario.ts', [join(s.dir, name), '--out', out], { env: s.env, timeoutMs: 60_000 });
      assertRefused(run, name, message);
      assert.ok(run.stderr.includes(join(s.dir, name)), `${name}: the file is named`);
    }
    assert.equal(existsSync(out), false, 'no --out created');
    assert.equal(existsSync(s.runsDir), false, 'no run directory: nothing started');
  } finally {
    s.cleanup();
  }
});

test('regression: a FIFO, a directory or a device as scenario is refused without being opened (no hang)', async () => {
  const s = scratch();
  try {
    const fifo = join(s.dir, 'pipe.ts');
    execFileSync('mkfifo', [fifo]);
    mkdirSync(join(s.dir, 'dir.ts'));
    symlinkSync('/dev/zero', join(s.dir, 'device.ts'));
    const cases: Array<[string, RegExp]> = [
      [fifo, /pipe\.ts: is a FIFO \(named pipe\), not a scenario file/],
      [join(s.dir, 'dir.ts'), /dir\.ts: is a directory, not a scenario file/],
      [join(s.dir, 'device.ts'), /device\.ts: is a character device, not a scenario file/],
    ];
    for (const [path, message] of cases) {
      const run = await runCli('scenario.ts', [path], { env: s.env, timeoutMs: 30_000 });
      assert.equal(run.signal, null, `${path}: killed by the timeout (it hung)`);
      assertRefused(run, path, message);
    }
    const compare = await runCli('compare.ts', [fifo, '--strategies', 'files,redis'], { env: s.env, timeoutMs: 30_000 });
    assertRefused(compare, 'compare fifo', /is a FIFO/);
    assert.equal(existsSync(s.runsDir), false);
  } finally {
    s.cleanup();
  }
});

test('a valid JSON scenario file is accepted (it gets as far as the missing binaries: 105)', async () => {
  const s = scratch();
  try {
    const file = join(s.dir, 'ok.json');
    writeFileSync(file, JSON.stringify(validScenario));
    const run = await runCli('scenario.ts', [file, '--out', join(s.dir, 'out')], { env: s.env, timeoutMs: 60_000 });
    assert.equal(run.code, 105, run.stderr);
  } finally {
    s.cleanup();
  }
});

test('regression: --out is checked before the run: an existing file, a FIFO, a path under a file, empty', async () => {
  const s = scratch();
  try {
    const file = join(s.dir, 'existing-file');
    writeFileSync(file, 'keep me');
    execFileSync('mkfifo', [join(s.dir, 'fifo')]);
    const cases: Array<[string, RegExp]> = [
      [file, /^error: --out .*existing-file: is a regular file; --out names a directory/],
      [join(s.dir, 'fifo'), /^error: --out .*fifo: is a FIFO/],
      [join(file, 'sub'), /^error: --out .*existing-file\/sub: cannot be written: .*existing-file is a regular file, not a directory/],
      ['', /^error: --out is empty/],
    ];
    for (const [out, message] of cases) {
      for (const cli of ['scenario.ts', 'compare.ts']) {
        const args = cli === 'compare.ts' ? ['redis-failover', '--strategies', 'files,redis', `--out=${out}`] : ['redis-failover', '--duration', '2s', `--out=${out}`];
        assertRefused(await runCli(cli, args, { env: s.env, timeoutMs: 60_000 }), `${cli} --out ${out}`, message);
      }
    }
    assert.equal(readFileSync(file, 'utf8'), 'keep me');
    assert.equal(existsSync(s.runsDir), false, 'nothing started');
  } finally {
    s.cleanup();
  }
});

test('regression: bad scenario contents are refused at validation (104), before the stack starts', async () => {
  const s = scratch();
  try {
    const variants: Array<[string, (x: any) => void, RegExp]> = [
      ['php.ini key with a newline', (x) => (x.topology.phpIni = { 'session.name\nauto_prepend_file': '/tmp/x.php' }), /topology\.phpIni\["session\.name\\nauto_prepend_file"\]: not a php\.ini key/],
      ['php.ini value with a quote', (x) => (x.topology.phpIni = { 'session.name': 'a"b' }), /topology\.phpIni\["session\.name"\]: the value holds a double quote/],
      ['php.ini value with a newline', (x) => (x.topology.phpIni = { 'session.name': 'a\nextension=evil.so' }), /control character \(U\+000A\)/],
      ['fault ending after the run', (x) => (x.faults = [{ type: 'redis-down', at: '1s', duration: '5s' }]), /faults\[0\]\.duration: at 1s \+ duration 5s ends after the run \(2s\)/],
      ['unknown fault attribute', (x) => (x.faults = [{ type: 'redis-down', at: '1s', duration: '1s', latency: 5 }]), /faults\[0\]\.latency: unknown attribute of a redis-down fault/],
      ['zero duration', (x) => (x.workload.duration = '0s'), /workload\.duration: "0s" is not more than 0/],
      ['seed out of range', (x) => (x.seed = -1), /seed: /],
    ];
    for (const [what, edit, message] of variants) {
      const scenario = structuredClone(validScenario) as any;
      edit(scenario);
      const file = join(s.dir, `${what.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(scenario));
      const run = await runCli('scenario.ts', [file, '--out', join(s.dir, 'out')], { env: s.env, timeoutMs: 60_000 });
      assertRefused(run, what, message);
    }
    for (const [flag, value, message] of [
      ['--duration', '0s', /--duration: "0s" is not more than 0/],
      ['--duration', '1000h', /--duration: "1000h" is more than the maximum of 24h/],
      ['--seed', '4294967296', /--seed "4294967296": expected an integer from 0 to 4294967295/],
    ] as const) {
      assertRefused(await runCli('scenario.ts', ['redis-failover', flag, value], { env: s.env, timeoutMs: 60_000 }), `${flag} ${value}`, message);
    }
    assert.equal(existsSync(join(s.dir, 'out')), false);
    assert.equal(existsSync(s.runsDir), false, 'nothing started');
  } finally {
    s.cleanup();
  }
});
