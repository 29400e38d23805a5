import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../harness/errors.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { listScenarioNames, loadScenarioModule } from '../../harness/scenario/scenario-loader.js';

function valid(): Record<string, any> {
  return {
    name: 'unit-valid',
    topology: { nodes: 3, strategy: 'redis', balancer: 'nginx' },
    workload: { users: 100, connections: 10, duration: '30s' },
    faults: [{ type: 'node-kill', target: 'node-2', at: '33%' }],
    thresholds: { session_loss_rate: ['rate==0'], latency: ['p(99)<250'] },
  };
}

/** The problems listed by the InvalidInputError (fails the test if the input is accepted). */
function problemsOf(input: unknown): string[] {
  try {
    validateScenario(input, 'unit');
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.ok(error.message.startsWith('unit: invalid scenario'), error.message);
    for (const p of error.problems) assert.ok(error.message.includes(p), `message lacks problem: ${p}`);
    return error.problems;
  }
  assert.fail('scenario was accepted');
}

function assertProblem(problems: string[], field: string, pattern: RegExp): void {
  assert.ok(
    problems.some((p) => (p.startsWith(`${field}:`) || p.startsWith(`${field} `)) && pattern.test(p)),
    `no problem for ${field} matching ${pattern}; got:\n  ${problems.join('\n  ')}`,
  );
}

test('a valid scenario passes, with its defaults filled in', () => {
  const { scenario, faults } = validateScenario(valid());
  assert.equal(scenario.name, 'unit-valid');
  assert.equal(scenario.description, '');
  assert.equal(scenario.topology.provider, 'local');
  assert.equal(scenario.topology.phpChildren, 4);
  assert.equal(scenario.topology.serializer, 'php');
  assert.equal(scenario.topology.proxies, 'auto');
  assert.deepEqual(scenario.topology.phpIni, {});
  assert.equal(scenario.workload.timeout, '5s');
  assert.equal(scenario.workload.mode, 'visits');
  assert.equal(scenario.seed, 1);
  assert.deepEqual(scenario.steps, []);
  assert.equal(faults.length, 1);
  assert.equal(faults[0]!.target, 'node-2');
  assert.equal(faults[0]!.at, '33%');
});

test("a fault without a target gets its kind's default target", () => {
  const input = valid();
  input.faults = [{ type: 'node-kill', at: '10s' }];
  assert.equal(validateScenario(input).faults[0]!.target, 'node-1');
});

test('the input object is not mutated by validation', () => {
  const input = valid();
  const copy = structuredClone(input);
  validateScenario(input);
  assert.deepEqual(input, copy);
});

test('semantic problems are all listed at once, each naming its field', () => {
  const input = valid();
  input.topology.strategy = 'memcached';
  input.workload = { users: 5, connections: 10, duration: '30s' };
  input.faults = [
    { type: 'meteor-strike', at: '10s' },
    { type: 'node-kill', target: 'node-9', at: '10s' },
    { type: 'node-kill', target: 'node-1', at: '45s' },
  ];
  const problems = problemsOf(input);
  assertProblem(problems, 'topology.strategy', /unknown strategy "memcached".*redis/);
  assertProblem(problems, 'workload.users', /\(5\).*>= workload\.connections \(10\)/);
  assertProblem(problems, 'faults[0].type', /unknown fault "meteor-strike".*node-kill/);
  assertProblem(problems, 'faults[1].target', /"node-9" is not a node.*node-1, node-2, node-3/);
  assertProblem(problems, 'faults[2].at', /45s is not before the end of the run \(30s\)/);
  assert.equal(problems.length, 5, problems.join('\n'));
});

test('schema problems are all listed at once, each naming its field', () => {
  const input = valid();
  input.workload = { users: 100, connections: 10 };
  input.thresholds = { latency: ['p(99) less than 250'], throughput: ['value>1'] };
  input.topology.nodes = 0;
  const problems = problemsOf(input);
  assertProblem(problems, 'workload.duration', /a run must be bounded/);
  assertProblem(problems, 'thresholds.latency[0]', /p\(99\) less than 250|p\(N\)/);
  assertProblem(problems, 'thresholds.throughput', /unknown threshold metric "throughput"/);
  assertProblem(problems, 'topology.nodes', /1/);
});

test('an invalid scenario lists EVERY problem at once (schema and semantic together)', () => {
  const input = valid();
  input.topology.strategy = 'memcached';
  input.workload = { users: 5, connections: 10, duration: '30s' };
  input.faults = [
    { type: 'meteor-strike', at: '10s' },
    { type: 'node-kill', target: 'node-9', at: '10s' },
    { type: 'node-kill', target: 'node-1', at: '45s' },
  ];
  input.thresholds = { latency: ['p(99) less than 250'], throughput: ['value>1'] };
  const problems = problemsOf(input);
  assertProblem(problems, 'thresholds.latency[0]', /./);
  assertProblem(problems, 'thresholds.throughput', /unknown threshold metric/);
  assertProblem(problems, 'topology.strategy', /unknown strategy "memcached"/);
  assertProblem(problems, 'workload.users', /workload\.connections/);
  assertProblem(problems, 'faults[0].type', /unknown fault "meteor-strike"/);
  assertProblem(problems, 'faults[1].target', /"node-9" is not a node/);
  assertProblem(problems, 'faults[2].at', /not before the end of the run/);
});

test('an unbounded workload is listed with the semantic problems too', () => {
  const input = valid();
  input.topology.strategy = 'memcached';
  input.workload = { users: 5, connections: 10 };
  input.faults = [{ type: 'node-kill', target: 'node-9', at: '10s' }];
  const problems = problemsOf(input);
  assertProblem(problems, 'workload.duration', /a run must be bounded/);
  assertProblem(problems, 'topology.strategy', /unknown strategy/);
  assertProblem(problems, 'workload.users', /workload\.connections/);
  assertProblem(problems, 'faults[0].target', /"node-9" is not a node/);
});

test('fault time checks: percent at the end, restoreAt before at, proxies needed', () => {
  const input = valid();
  input.topology.proxies = false;
  input.faults = [
    { type: 'node-kill', target: 'node-1', at: '100%' },
    { type: 'node-kill', target: 'node-1', at: '20s', restoreAt: '10s' },
    { type: 'redis-down', target: 'redis', at: '10s', duration: '5s' },
  ];
  const problems = problemsOf(input);
  assertProblem(problems, 'faults[0].at', /100% is not before the end of the run/);
  assertProblem(problems, 'faults[1].restoreAt', /must be after at \(20s\)/);
  assert.ok(problems.some((p) => p.startsWith('faults[2]') && /topology\.proxies/.test(p)), problems.join('\n'));
  assert.equal(problems.length, 3, problems.join('\n'));
});

test("a Toxiproxy fault with proxies 'none' is a problem; a node-kill needs no proxy", () => {
  const input = valid();
  input.topology.proxies = 'none';
  input.faults = [
    { type: 'node-kill', target: 'node-1', at: '10s' },
    { type: 'node-partition', target: 'node-2', at: '10s', duration: '5s' },
  ];
  const problems = problemsOf(input);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^faults\[1\]: node-partition goes through Toxiproxy.*topology\.proxies/);
  input.topology.proxies = 'auto';
  assert.equal(validateScenario(input).faults.length, 2);
});

test('a redis fault on a strategy without Redis is a target problem', () => {
  const input = valid();
  input.topology.strategy = 'files';
  input.faults = [{ type: 'redis-down', target: 'redis', at: '10s', duration: '5s' }];
  assertProblem(problemsOf(input), 'faults[0].target', /needs Redis/);
});

test('bursts mode needs connections >= burstSize; a bounded-by-requests run is fine', () => {
  const input = valid();
  input.workload = { users: 50, connections: 4, requests: 1000, mode: 'bursts', burstSize: 8 };
  input.faults = [];
  assertProblem(problemsOf(input), 'workload.connections', /\(4\).*workload\.burstSize \(8\)/);
  input.workload.connections = 8;
  assert.equal(validateScenario(input).scenario.workload.requests, 1000);
});

test('a percent fault time on a requests-only run names the missing duration', () => {
  const input = valid();
  input.workload = { users: 50, connections: 4, requests: 1000 };
  input.faults = [{ type: 'node-kill', target: 'node-1', at: '33%' }];
  assertProblem(problemsOf(input), 'faults[0]', /workload\.duration/);
});

test('every scenario in scenarios/ validates', async () => {
  const names = listScenarioNames();
  assert.ok(names.includes('redis-failover') && names.length >= 6, names.join(', '));
  for (const name of names) {
    const input = await loadScenarioModule(name);
    const { scenario } = validateScenario(input, name);
    assert.equal(scenario.name, name, `scenarios/${name}.ts declares name "${scenario.name}"`);
  }
});

// ---- Issue 19: bounds, fault windows, fault attributes, seeds, php.ini, plain data ----

test("regression: durations '0s' and '1000h' are refused, naming the field; the maximum is 24h", () => {
  for (const [duration, pattern] of [['0s', /"0s" is not more than 0/], ['0.4ms', /not more than 0/], ['1000h', /"1000h" is more than the maximum of 24h/], ['24h1ms', /maximum of 24h/]] as const) {
    const input = valid();
    input.workload.duration = duration;
    input.faults = [];
    assertProblem(problemsOf(input), 'workload.duration', pattern);
  }
  const input = valid();
  input.workload.duration = '24h';
  assert.equal(validateScenario(input).scenario.workload.duration, '24h');
});

test('regression: workload.timeout is positive and at most 10m', () => {
  for (const [timeout, pattern] of [['0s', /not more than 0/], ['11m', /maximum of 10m/]] as const) {
    const input = valid();
    input.workload.timeout = timeout;
    assertProblem(problemsOf(input), 'workload.timeout', pattern);
  }
});

test('regression: a fault time given as a duration is at most 24h even on a requests-only run', () => {
  const input = valid();
  input.workload = { users: 50, connections: 4, requests: 1000 };
  input.faults = [{ type: 'node-kill', target: 'node-1', at: '999999h' }];
  assertProblem(problemsOf(input), 'faults[0].at', /after the longest possible run \(24h\)/);
});

test('regression: a fault window ending after the run is refused, naming duration or restoreAt', () => {
  const input = valid();
  input.faults = [
    { type: 'redis-down', at: '20s', duration: '15s' },
    { type: 'node-kill', target: 'node-1', at: '10s', restoreAt: '31s' },
    { type: 'redis-down', at: '50%', duration: '60%' },
  ];
  const problems = problemsOf(input);
  assertProblem(problems, 'faults[0].duration', /at 20s \+ duration 15s ends after the run \(30s\).*leave out duration and restoreAt/);
  assertProblem(problems, 'faults[1].restoreAt', /restoreAt 31s ends after the run \(30s\)/);
  assertProblem(problems, 'faults[2].duration', /ends after the run/);
  assert.equal(problems.length, 3, problems.join('\n'));
});

test('a fault window ending exactly at the end of the run, or without a heal, is fine (shares rounded to the ms)', () => {
  const input = valid();
  input.workload.duration = '333ms';
  input.faults = [
    { type: 'redis-down', at: '80%', duration: '20%' },
    { type: 'redis-down', at: '33.3%', duration: '66.7%' },
    { type: 'node-kill', target: 'node-1', at: '10%' },
  ];
  assert.equal(validateScenario(input).faults.length, 3);
});

test('a fault with both duration and restoreAt, or a zero duration, is refused', () => {
  const input = valid();
  input.faults = [
    { type: 'node-kill', target: 'node-1', at: '5s', duration: '5s', restoreAt: '10s' },
    { type: 'redis-down', at: '5s', duration: '0s' },
  ];
  const problems = problemsOf(input);
  assertProblem(problems, 'faults[0].restoreAt', /not both/);
  assertProblem(problems, 'faults[1].duration', /not more than 0/);
});

test('regression: an unknown fault attribute is refused with the attributes the fault has', () => {
  const input = valid();
  input.faults = [
    { type: 'redis-latency', at: '5s', duration: '5s', latncy: 50 },
    { type: 'node-kill', target: 'node-1', at: '5s', signal: 'SIGTERM' },
    { type: 'bandwidth', target: 'redis', at: '5s', rate: 10, 'odd key': 1 },
  ];
  const problems = problemsOf(input);
  assertProblem(problems, 'faults[0].latncy', /unknown attribute of a redis-latency fault: use .*latency, jitter, stream/);
  assertProblem(problems, 'faults[1].signal', /unknown attribute of a node-kill fault/);
  assertProblem(problems, 'faults[2]["odd key"]', /unknown attribute of a bandwidth fault/);
  assert.equal(problems.length, 3, problems.join('\n'));
});

test('each fault kind still accepts its own attributes', () => {
  const input = valid();
  input.faults = [
    { type: 'redis-latency', at: '1s', duration: '1s', latency: 5, jitter: 1, stream: 'upstream' },
    { type: 'node-slow', target: 'node-1', at: '1s', duration: '1s', latency: 100, jitter: 0 },
    { type: 'reset-peer', target: 'redis', at: '1s', duration: '1s', timeout: 0, toxicity: 0.5 },
    { type: 'bandwidth', target: 'redis', at: '1s', duration: '1s', rate: 100, stream: 'downstream' },
    { type: 'node-partition', target: 'node-2', at: '1s', duration: '1s' },
    { type: 'redis-down', target: 'redis', at: '1s', duration: '1s' },
    { type: 'node-kill', target: 'node-3', at: '1s', restoreAt: '2s' },
  ];
  assert.equal(validateScenario(input).faults.length, 7);
});

test('regression: seeds are integers from 0 to 2^32-1 (the PRNG is 32-bit)', () => {
  for (const seed of [-1, 1.5, 2 ** 32, Number.MAX_SAFE_INTEGER, Number.NaN, Infinity]) {
    const input = valid();
    input.seed = seed;
    assertProblem(problemsOf(input), 'seed', /./);
  }
  for (const seed of [0, 2 ** 32 - 1]) {
    const input = valid();
    input.seed = seed;
    assert.equal(validateScenario(input).scenario.seed, seed);
  }
});

test('regression: a php.ini key with a newline (config injection) is refused before anything starts', () => {
  const input = valid();
  input.topology.phpIni = { 'session.name\nauto_prepend_file': '/tmp/evil.php' };
  const problems = problemsOf(input);
  assertProblem(problems, 'topology.phpIni["session.name\\nauto_prepend_file"]', /not a php\.ini key/);
  assert.ok(problems.every((p) => !p.includes('\n')), 'one line');
});

test('regression: php.ini values that php.ini cannot hold are refused (quote, control characters, ${, escapes)', () => {
  const bad: Array<[string, RegExp]> = [
    ['say "hi"', /double quote/],
    ['a\nb = 1', /control character \(U\+000A\)/],
    ['a\rb', /U\+000D/],
    ['tab\there', /U\+0009/],
    ['nul\u0000', /U\+0000/],
    ['${HOME}', /variable reference/],
    ['a\\\\b', /escape sequence/],
    ['a\\$b', /escape sequence/],
    ['x'.repeat(5000), /more than 4096/],
    ['\ud800', /surrogate/],
  ];
  for (const [value, pattern] of bad) {
    const input = valid();
    input.topology.phpIni = { 'session.name': value };
    assertProblem(problemsOf(input), 'topology.phpIni["session.name"]', pattern);
  }
});

test('php.ini keys and values php.ini holds are accepted', () => {
  const input = valid();
  input.topology.phpIni = {
    'session.gc_maxlifetime': '600',
    'session.cookie_samesite': 'None',
    'error_reporting': 'E_ALL & ~E_NOTICE',
    'highlight.string': "it's a;b=c & d | ~ ! ^ () {} $x \\ é",
    'extension[]': 'x',
    'opcache.jit-buffer_size': '0',
    'date.timezone': '',
  };
  assert.equal(Object.keys(validateScenario(input).scenario.topology.phpIni).length, 7);
  for (const key of ['', 'a b', 'a=b', '[section]', 'a[b][c]', 'x;y', 'k'.repeat(200)]) {
    const bad = valid();
    bad.topology.phpIni = { [key]: '1' };
    assert.ok(problemsOf(bad).some((p) => p.startsWith('topology.phpIni')), JSON.stringify(key));
  }
});

test('regression: null, a string, an array or a number as the scenario is an InvalidInputError', () => {
  for (const input of [null, undefined, 'redis-failover', [], 42, true]) {
    const problems = problemsOf(input);
    assert.ok(problems.some((p) => p.startsWith('(scenario):')), `${JSON.stringify(input)}: ${problems.join('; ')}`);
  }
});

test('regression: 100,000-deep nesting is refused by depth, not by a stack overflow', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const input = valid();
  input.steps = [{ label: 'x', from: '0s', to: '1s', params: { deep } }];
  const problems = problemsOf(input);
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /^steps\[0\]\.params\.deep(\[0\])+: nested deeper than 32 levels$/);
});

test('scenarios that are not plain data: cycles, class instances, functions, getters, __proto__ keys', () => {
  const cyclic = valid();
  cyclic.topology.self = cyclic;
  assertProblem(problemsOf(cyclic), 'topology.self', /cycle/);
  const instance = valid();
  instance.workload.duration = new Date();
  assertProblem(problemsOf(instance), 'workload.duration', /a Date object/);
  const fn = valid();
  fn.description = () => 'x';
  assertProblem(problemsOf(fn), 'description', /a function/);
  const getter = valid();
  Object.defineProperty(getter, 'seed', { get: () => { throw new Error('boom'); }, enumerable: true });
  assertProblem(problemsOf(getter), 'seed', /getter/);
  const proto = JSON.parse('{"name":"x","__proto__":{"polluted":1}}');
  assertProblem(problemsOf(proto), '__proto__', /a key named __proto__ is not allowed/);
  const proxy = new Proxy(valid(), { ownKeys: () => { throw new Error('trap'); } });
  assertProblem(problemsOf(proxy), '(scenario)', /cannot be read \(trap\)/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('every message stays on one line: values with newlines are shown escaped', () => {
  const input = valid();
  input.topology.strategy = 'red\nis';
  input.workload.duration = '20\ns';
  input.faults = [{ type: 'meteor\n', at: '1s' }];
  try {
    validateScenario(input, 'origin\nwith newline');
    assert.fail('accepted');
  } catch (error) {
    assert.ok(error instanceof InvalidInputError);
    assert.ok(!error.message.includes('\n'), error.message);
    assert.match(error.message, /"red\\nis"/);
  }
});

test('a bad enum value with a control character still gives a one-line message (zod echoes it raw)', () => {
  const input = { name: 'x', topology: { strategy: 'redis', provider: '\r' }, workload: { users: 1, connections: 1, duration: '1s' } };
  assert.throws(() => validateScenario(input, 'x'), (error: Error) => {
    assert.doesNotMatch(error.message, /[\r\n]/);
    assert.match(error.message, /topology\.provider: .*received '\\r'/);
    return true;
  });
});
