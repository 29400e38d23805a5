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
