/**
 * Property-based tests (fast-check) for everything the CLIs take as input:
 *   1. validateScenario on random values and on mutated real scenarios: it only ever throws
 *      InvalidInputError (one line), and whatever it accepts holds the documented bounds;
 *   2. php.ini values it accepts read back unchanged from the real PHP (when installed);
 *   3. a few dozen spawned CLI invocations with bad files, flags and output places: exit 104,
 *      one line on stderr, nothing written in --out, no run directory (nothing started).
 * Bounded to run in well under a minute on two cores. FC_SEED=<n> replays a run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InvalidInputError } from '../../harness/errors.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { listScenarioNames, loadScenarioModule } from '../../harness/scenario/scenario-loader.js';
import { parseDuration, parseTimePoint } from '../../harness/scenario/duration.js';
import { phpIniValueProblem } from '../../harness/scenario/php-ini-rules.js';
import { renderPhpIni } from '../../harness/topology/config/php-fpm-config.js';
import { projectRoot } from '../../harness/util/project-root.js';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const fcOptions = (numRuns: number) => ({ numRuns, seed, endOnFailure: true });
test(`fast-check seed ${seed} (replay with FC_SEED=${seed})`, () => {});

const day = 24 * 3_600_000;

/** Each fault kind's attributes, as the fault files in harness/faults/ define them (kept here on purpose: an independent list). */
const faultAttributes: Record<string, string[]> = {
  'node-kill': [],
  'node-partition': ['mode'],
  'redis-down': ['mode'],
  'node-slow': ['latency', 'jitter'],
  'redis-latency': ['latency', 'jitter', 'stream'],
  'reset-peer': ['timeout', 'toxicity'],
  bandwidth: ['rate', 'stream'],
  'redis-restart': ['mode'],
  'node-hang': [],
  'redis-hang': [],
  'redis-memory-pressure': ['share', 'policy'],
  'redis-master-kill': ['user'],
  'redis-manual-failover': ['mode'],
  'redis-master-partition': ['user'],
};
const genericFaultFields = ['type', 'target', 'at', 'duration', 'restoreAt'];

/** Throws (an assertion) unless validateScenario's result keeps every documented bound. */
function assertAcceptedIsSane(input: unknown): void {
  let validated;
  try {
    validated = validateScenario(input, 'fuzz');
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `not an InvalidInputError: ${(error as Error)?.stack ?? String(error)}`);
    assert.ok(!error.message.includes('\n') && !error.message.includes('\r'), `a message on more than one line: ${JSON.stringify(error.message)}`);
    assert.ok(error.message.startsWith('fuzz: invalid scenario — '), error.message);
    return;
  }
  const { scenario, faults } = validated;
  const w = scenario.workload;
  const durationMs = w.duration === undefined ? undefined : parseDuration(w.duration);
  if (durationMs !== undefined) assert.ok(durationMs > 0 && durationMs <= day, `accepted duration ${w.duration}`);
  assert.ok(w.duration !== undefined || w.requests !== undefined || w.stages !== undefined, 'an unbounded run');
  const timeoutMs = parseDuration(w.timeout);
  assert.ok(timeoutMs > 0 && timeoutMs <= 600_000, `accepted timeout ${w.timeout}`);
  assert.ok(Number.isInteger(scenario.seed) && scenario.seed >= 0 && scenario.seed <= 2 ** 32 - 1, `accepted seed ${scenario.seed}`);
  if (w.mode === 'visits') assert.ok(w.users >= w.connections);
  for (const [key, value] of Object.entries(scenario.topology.phpIni)) {
    assert.match(key, /^[A-Za-z0-9_.-]+(\[[A-Za-z0-9_.-]*\])?$/, `accepted php.ini key ${JSON.stringify(key)}`);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(value, /[\u0000-\u001f\u007f"]|\$\{/, `accepted php.ini value ${JSON.stringify(value)}`);
  }
  for (const fault of faults) {
    const allowed = [...genericFaultFields, ...(faultAttributes[fault.type] ?? assert.fail(`accepted fault type ${fault.type}`))];
    for (const key of Object.keys(fault)) assert.ok(allowed.includes(key), `accepted attribute ${key} of ${fault.type}`);
    const at = parseTimePoint(fault.at, durationMs);
    assert.ok(at >= 0 && at <= day);
    if (durationMs !== undefined) assert.ok(at < durationMs, `fault at ${fault.at} not before the end (${w.duration})`);
    assert.ok(!(fault.duration !== undefined && fault.restoreAt !== undefined));
    const heal = fault.restoreAt !== undefined ? parseTimePoint(fault.restoreAt, durationMs) : fault.duration !== undefined ? at + parseTimePoint(fault.duration, durationMs) : undefined;
    if (heal !== undefined) {
      assert.ok(heal > at, `heal ${heal} not after at ${at}`);
      if (durationMs !== undefined) assert.ok(heal <= durationMs + 1, `fault heals at ${heal}, after the run (${durationMs})`);
    }
  }
}

/** Values that make a field wrong in many ways (and a few right ones). */
const nastyValue = fc.oneof(
  fc.constantFrom(
    null, undefined, 0, -1, -0.5, 1.5, Number.NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53, 1e308, '', ' ', '0s', '0ms', '0.4ms', '-5s', '1000h',
    '24h', '24h1ms', '99999999999999999999999h', '100%', '101%', '0%', '33%', '1e3s', '5', 'soon', 'a\nb', 'x"y', '${HOME}', 'a\\\\b', '\u0000', '\ud800',
    true, false, [], {}, [1, 2], { a: 1 }, 'node-1', 'node-99', 'redis', 'files', 'redis-locking', 'nginx', 'haproxy', 'docker', 'external',
  ),
  fc.integer({ min: -10, max: 5000 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.stringMatching(/^[0-9]{1,6}(\.[0-9]{1,2})?(ms|s|m|h|%)$/),
  fc.anything({ maxDepth: 3, maxKeys: 4 }),
);

const fieldPaths: string[][] = [
  ['name'], ['description'], ['seed'], ['topology'], ['topology', 'nodes'], ['topology', 'strategy'], ['topology', 'balancer'], ['topology', 'provider'],
  ['topology', 'phpChildren'], ['topology', 'serializer'], ['topology', 'proxies'], ['topology', 'sessionPayload'], ['workload'], ['workload', 'users'],
  ['workload', 'connections'], ['workload', 'duration'], ['workload', 'requests'], ['workload', 'rate'], ['workload', 'timeout'], ['workload', 'mode'],
  ['workload', 'burstSize'], ['workload', 'workMs'], ['faults'], ['faults', '0'], ['faults', '0', 'type'], ['faults', '0', 'target'], ['faults', '0', 'at'],
  ['faults', '0', 'duration'], ['faults', '0', 'restoreAt'], ['faults', '0', 'latency'], ['faults', '0', 'jitter'], ['faults', '0', 'stream'],
  ['faults', '0', 'rate'], ['faults', '0', 'toxicity'], ['faults', '0', 'leaveUnhealed'], ['faults', '1'], ['thresholds'], ['thresholds', 'latency'],
  ['steps'], ['steps', '0', 'from'], ['checks'], ['extra'],
];

/** A key for php.ini or an unknown field: printable and hostile. */
const keyLike = fc.oneof(fc.constantFrom('session.name', 'a\nb', 'x=y', '[s]', 'k[]', '__proto__', 'latncy', ''), fc.string({ maxLength: 6 }));

interface Mutation {
  path: string[];
  value: unknown;
  /** With value undefined: delete the field instead of setting it to undefined (drawn by fast-check, so FC_SEED replays it). */
  drop?: boolean;
}

function applyMutation(base: Record<string, any>, m: Mutation): Record<string, any> {
  const out = structuredClone(base);
  let cursor: any = out;
  for (const key of m.path.slice(0, -1)) {
    if (typeof cursor[key] !== 'object' || cursor[key] === null) cursor[key] = /^\d+$/.test(key) ? [] : {};
    cursor = cursor[key];
  }
  const last = m.path[m.path.length - 1]!;
  if (m.value === undefined && m.drop) delete cursor[last];
  else cursor[last] = m.value;
  return out;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constantFrom(...fieldPaths), value: nastyValue, drop: fc.boolean() }),
  fc.record({ path: keyLike.map((k) => ['topology', 'phpIni', k]), value: fc.oneof(nastyValue, fc.string({ maxLength: 10 })), drop: fc.boolean() }),
  fc.record({ path: keyLike.map((k) => ['faults', '0', k]), value: nastyValue, drop: fc.boolean() }),
);

function baseScenario(): Record<string, any> {
  return {
    name: 'fuzz-base',
    topology: { nodes: 3, strategy: 'redis', balancer: 'nginx', phpIni: { 'session.gc_maxlifetime': '600' } },
    workload: { users: 100, connections: 10, duration: '30s' },
    faults: [
      { type: 'redis-latency', at: '20%', duration: '30%', latency: 5 },
      { type: 'node-kill', target: 'node-2', at: '10s', restoreAt: '20s' },
    ],
    steps: [{ label: 'a', from: '0%', to: '50%' }],
    thresholds: { latency: ['p(99)<250'] },
  };
}

test('fuzz: random values into validateScenario throw nothing but a one-line InvalidInputError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything({ maxDepth: 4 }), fc.object({ maxDepth: 3 })), (input) => assertAcceptedIsSane(input)),
    fcOptions(200),
  );
});

test('fuzz: mutated scenarios (1-4 mutations) are refused with InvalidInputError or accepted within every bound', async () => {
  const real = [baseScenario()];
  for (const name of listScenarioNames()) real.push((await loadScenarioModule(name)) as Record<string, any>);
  let accepted = 0;
  fc.assert(
    fc.property(fc.constantFrom(...real), fc.array(mutation, { minLength: 1, maxLength: 4 }), (scenario, mutations) => {
      const input = mutations.reduce(applyMutation, scenario);
      assertAcceptedIsSane(input);
      try {
        validateScenario(input);
        accepted++;
      } catch {
        /* refused: fine */
      }
    }),
    fcOptions(400),
  );
  // Some mutations keep the scenario valid (e.g. another valid duration): the property is not vacuous.
  assert.ok(accepted > 0, 'every mutated scenario was refused: the generator is too hostile to check acceptance');
});

test('fuzz: known-invalid field values are always refused, whatever else the scenario holds', () => {
  const invalid: fc.Arbitrary<{ path: readonly string[]; value: unknown }> = fc.oneof(
    fc.record({ path: fc.constant(['workload', 'duration']), value: fc.oneof(fc.constantFrom('0s', '0ms', '-5s', '1000h', '24h1ms'), fc.integer({ min: 25, max: 10 ** 6 }).map((h) => `${h}h`)) }),
    fc.record({ path: fc.constant(['workload', 'timeout']), value: fc.constantFrom('0s', '11m', '1h') }),
    fc.record({ path: fc.constant(['seed']), value: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 2 ** 32, max: 2 ** 40 }), fc.double({ min: 0.1, max: 0.9 })) }),
    fc.record({ path: fc.constant(['faults', '0', 'duration']), value: fc.constantFrom('81%', '100%', '25s', '1h') }),
    fc.record({ path: fc.constant(['faults', '1', 'restoreAt']), value: fc.constantFrom('31s', '5s', '10s', '24h') }),
    // An unknown attribute is refused whatever its value, undefined included (present as a key); a deleted one is no attribute at all.
    fc.record({ path: fc.stringMatching(/^[a-z]{3,8}$/).filter((k) => !faultAttributes['redis-latency']!.includes(k) && !genericFaultFields.includes(k)).map((k) => ['faults', '0', k]), value: nastyValue }),
    fc.record({
      path: fc.constant(['topology', 'phpIni', 'session.name']),
      value: fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\n', '\r', '\u0000', '"', '${', '\\\\', '\\$', '\t', '\u001b'), fc.string({ maxLength: 4 })).map((p) => p.join('')),
    }),
    fc.record({ path: fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom('\n', '=', ' ', ';', '"', '[a][b]'), fc.string({ maxLength: 4 })).map((p) => ['topology', 'phpIni', p.join('')]), value: fc.constant('1') }),
  );
  // Noise never touches the workload or the faults: those can make a "known-invalid" window valid
  // (a fault moved to 0s heals inside the run; a longer run holds a longer fault).
  const noiseMutation = mutation.filter((m) => m.path[0] !== 'workload' && m.path[0] !== 'faults');
  fc.assert(
    fc.property(invalid, fc.array(noiseMutation, { maxLength: 2 }), (bad, noise) => {
      const input = applyMutation(noise.reduce(applyMutation, baseScenario()), { path: [...bad.path], value: bad.value });
      assert.throws(() => validateScenario(input, 'fuzz'), InvalidInputError, `accepted ${JSON.stringify(bad)}`);
      assertAcceptedIsSane(input);
    }),
    fcOptions(300),
  );
});

// ---- php.ini round trip through the real PHP ----

const hasPhp = spawnSync('php', ['-n', '-r', 'echo 1;'], { encoding: 'utf8' }).stdout === '1';

test('fuzz: every php.ini value validation accepts reads back unchanged in PHP (get_cfg_var); what it refuses would not', { skip: hasPhp ? false : 'php not installed' }, () => {
  const pieces = fc.constantFrom('a', 'z', '0', '9', ' ', '"', "'", '\\', '$', '{', '}', '${', ';', '=', '&', '|', '~', '!', '^', '(', ')', '[', ']', '/', '.', ':', '-', '_', 'é', '😀', '#', '%', 'none', 'off', 'E');
  const values = fc.sample(fc.array(pieces, { maxLength: 6 }).map((p) => p.join('')), { numRuns: 300, seed });
  const accepted = [...new Set(values.filter((v) => phpIniValueProblem(v) === null))];
  const refused = [...new Set(values.filter((v) => phpIniValueProblem(v) !== null))];
  const dir = mkdtempSync(join(tmpdir(), 'psl-ini-'));
  try {
    const readBack = (list: string[]): Array<string | false | null> => {
      const settings: Record<string, string> = {};
      list.forEach((v, i) => (settings[`psl.fuzz_${i}`] = v));
      let ini: string;
      try {
        ini = renderPhpIni(settings);
      } catch {
        return list.map(() => null); // the renderer refuses it
      }
      writeFileSync(join(dir, 'php.ini'), ini);
      const out = execFileSync('php', ['-n', '-c', join(dir, 'php.ini'), '-r', `$o = []; for ($i = 0; $i < ${list.length}; $i++) $o[] = get_cfg_var("psl.fuzz_$i"); echo json_encode($o);`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return JSON.parse(out.trim().split('\n').pop()!) as Array<string | false>;
    };
    const got = readBack(accepted);
    accepted.forEach((v, i) => assert.equal(got[i], v, `php.ini turned ${JSON.stringify(v)} into ${JSON.stringify(got[i])}`));
    // Completeness: a refused value (without control characters) really does not survive, alone in its file.
    for (const v of refused.slice(0, 40)) {
      const [back] = readBack([v]);
      assert.notEqual(back, v, `refused ${JSON.stringify(v)} (${phpIniValueProblem(v)}) although PHP reads it back unchanged`);
    }
    assert.ok(accepted.length > 50, `only ${accepted.length} accepted values tried`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- spawned CLIs: bad files, flags and outputs ----

interface CliCase {
  what: string;
  cli: 'scenario.ts' | 'compare.ts' | 'report.ts' | 'gate.ts';
  /** Arguments; "{dir}" is the case's scratch directory, "{out}" its output place. */
  args: string[];
  /** Files to create: name -> content; null = a FIFO, '<dir>' = a directory. */
  files: Record<string, string | null>;
}

const validJson = JSON.stringify(
  { name: 'fuzz-cli', topology: { nodes: 2, strategy: 'redis' }, workload: { users: 10, connections: 2, duration: '2s' }, faults: [{ type: 'redis-down', at: '25%', duration: '25%' }] },
  null,
  2,
);

const badScenarioFile: fc.Arbitrary<Pick<CliCase, 'what' | 'files'> & { name: string }> = fc.oneof(
  fc.integer({ min: 0, max: validJson.length - 1 }).map((n) => ({ what: `JSON truncated at ${n}`, name: 's.json', files: { 's.json': validJson.slice(0, n) } })),
  fc.integer({ min: 1, max: validJson.length - 2 }).map((n) => ({ what: `TS truncated at ${n}`, name: 's.ts', files: { 's.ts': `export default ${validJson.slice(0, n)}` } })),
  fc.constantFrom('.yaml', '.yml', '.toml', '.txt', '.php', '').map((ext) => ({ what: `extension "${ext}"`, name: `s${ext}`, files: { [`s${ext}`]: validJson } })),
  fc.constantFrom('null', '"x"', '[]', '42', 'true').map((v) => ({ what: `JSON ${v}`, name: 's.json', files: { 's.json': v } })),
  fc.integer({ min: 33, max: 50_000 }).map((d) => ({ what: `${d}-deep JSON`, name: 's.json', files: { 's.json': `{"name": ${'['.repeat(d)}${']'.repeat(d)}}` } })),
  fc.constant({ what: 'FIFO', name: 's.ts', files: { 's.ts': null } }),
  fc.constant({ what: 'directory', name: 's.json', files: { 's.json': '<dir>' } }),
  fc.constantFrom('', '\n', '// only\n', '/* */').map((t) => ({ what: `empty-ish ${JSON.stringify(t)}`, name: 's.ts', files: { 's.ts': t } })),
  fc
    .constantFrom<[string, unknown]>(['workload.duration', '0s'], ['workload.duration', '1000h'], ['seed', -1], ['topology.phpIni', { 'a\nb': '1' }], ['topology.phpIni', { a: 'x"y' }], ['faults', [{ type: 'redis-down', at: '1s', duration: '9s' }]], ['faults', [{ type: 'redis-down', at: '1s', latncy: 1 }]])
    .map(([field, value]) => {
      const data = JSON.parse(validJson);
      const [a, b] = field.split('.') as [string, string?];
      if (b) data[a][b] = value;
      else data[a] = value;
      return { what: `${field} = ${JSON.stringify(value)}`, name: 's.json', files: { 's.json': JSON.stringify(data) } };
    }),
);

const badFlag: fc.Arbitrary<{ what: string; args: string[] }> = fc
  .tuple(
    fc.constantFrom('--duration', '--users', '--connections', '--nodes', '--requests', '--rate', '--seed', '--balancer', '--provider', '--strategy', '--repeat', '--toxiproxy-url'),
    fc.oneof(fc.constantFrom('', '0', '-1', '1.5', '1e3', '0x10', ' 5', 'NaN', 'Infinity', '99999999999999999999', '0s', '1000h', 'a\nb', 'traefik'), fc.stringMatching(/^[a-z!@#"']{1,5}$/)),
  )
  .map(([flag, value]) => ({ what: `${flag} ${JSON.stringify(value)}`, args: [`${flag}=${value}`] }));

const badOut: fc.Arbitrary<{ what: string; out: string; files: Record<string, string | null> }> = fc.constantFrom<{ what: string; out: string; files: Record<string, string | null> }>(
  { what: '--out an existing file', out: '{dir}/existing', files: { existing: 'keep' } },
  { what: '--out a FIFO', out: '{dir}/fifo', files: { fifo: null } },
  { what: '--out under a file', out: '{dir}/existing/sub', files: { existing: 'keep' } },
);

function materialize(dir: string, files: Record<string, string | null>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (content === null) execFileSync('mkfifo', [path]);
    else if (content === '<dir>') mkdirSync(path);
    else writeFileSync(path, content);
  }
}

function spawnCase(c: CliCase, dir: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const args = c.args.map((a) => a.replaceAll('{dir}', dir));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'harness', 'cli', c.cli), ...args], {
      cwd: projectRoot,
      env: { ...process.env, PSL_RUNS_DIR: join(dir, 'runs'), PSL_BIN_DIRS: join(dir, 'no-binaries'), GITHUB_STEP_SUMMARY: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

test('fuzz: spawned CLIs with bad files, flags and output places exit 104 with one line, writing nothing', async () => {
  const result = join(projectRoot, 'test', 'fixtures', 'results', 'current-ok.result.json');
  const caseArb: fc.Arbitrary<CliCase> = fc.oneof(
    badScenarioFile.map((f) => ({ what: `scenario: ${f.what}`, cli: 'scenario.ts' as const, args: [`{dir}/${f.name}`, '--out', '{dir}/out'], files: f.files })),
    badScenarioFile.map((f) => ({ what: `compare: ${f.what}`, cli: 'compare.ts' as const, args: [`{dir}/${f.name}`, '--strategies', 'files,redis', '--out', '{dir}/out'], files: f.files })),
    badFlag.map((f) => ({ what: `scenario ${f.what}`, cli: 'scenario.ts' as const, args: ['redis-failover', ...f.args, '--out', '{dir}/out'], files: {} })),
    badOut.map((o) => ({ what: `scenario ${o.what}`, cli: 'scenario.ts' as const, args: ['redis-failover', '--duration', '2s', `--out=${o.out}`], files: o.files })),
    badOut.map((o) => ({ what: `report ${o.what}`, cli: 'report.ts' as const, args: [result, `--out=${o.out.replace('existing/sub', 'existing/sub.html')}`], files: o.files })).filter((c) => !c.what.includes('existing file')),
    badOut.map((o) => ({ what: `gate --junit: ${o.what}`, cli: 'gate.ts' as const, args: [result, '--no-write-result', '--json', '{dir}/out/v.json', `--junit=${o.out}`], files: o.files })).filter((c) => !c.what.includes('existing file')),
    badScenarioFile.filter((f) => f.name.endsWith('.json')).map((f) => ({ what: `report input: ${f.what}`, cli: 'report.ts' as const, args: [`{dir}/${f.name}`, '--out', '{dir}/out/r.html'], files: f.files })),
    badScenarioFile.filter((f) => f.name.endsWith('.json')).map((f) => ({ what: `gate input: ${f.what}`, cli: 'gate.ts' as const, args: [`{dir}/${f.name}`, '--junit', '{dir}/out/j.xml'], files: f.files })),
  );
  const cases = fc.sample(caseArb, { numRuns: 36, seed });
  const root = mkdtempSync(join(tmpdir(), 'psl-cli-fuzz-'));
  const failures: string[] = [];
  try {
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i]!;
        const dir = join(root, `case-${i}`);
        mkdirSync(dir);
        materialize(dir, c.files);
        const before = readdirSync(dir).sort();
        const run = await spawnCase(c, dir);
        const lines = run.stderr.trim().split('\n');
        const problems = [
          run.signal ? `killed by ${run.signal} (hung?)` : null,
          run.code !== 104 ? `exit ${run.code}` : null,
          lines.length !== 1 || lines[0] === '' ? `${lines.length} lines on stderr` : null,
          /^\s+at /m.test(run.stderr) ? 'a stack trace' : null,
          existsSync(join(dir, 'out')) ? 'wrote into --out' : null,
          existsSync(join(dir, 'runs')) ? 'created a run directory' : null,
          JSON.stringify(readdirSync(dir).sort()) !== JSON.stringify(before) ? `left files: ${readdirSync(dir).join(', ')}` : null,
        ].filter(Boolean);
        if (problems.length > 0) failures.push(`${c.what} (${c.cli} ${c.args.join(' ')}): ${problems.join(', ')}\n    stderr: ${run.stderr.slice(0, 400)}`);
      }
    };
    await Promise.all([worker(), worker()]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.deepEqual(failures, [], `seed ${seed}:\n${failures.join('\n')}`);
});
