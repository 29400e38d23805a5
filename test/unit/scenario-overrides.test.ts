import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError } from '../../harness/errors.js';
import { applyOverrides, type OverrideFlags } from '../../harness/cli/scenario-overrides.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { findStrategy } from '../../harness/strategies/strategy-registry.js';
import { loadScenarioModule } from '../../harness/scenario/scenario-loader.js';

function base(): Record<string, any> {
  return {
    name: 'unit-overrides',
    topology: { nodes: 3, strategy: 'affinity', balancer: 'haproxy' },
    workload: { users: 500, connections: 32, duration: '60s' },
    faults: [{ type: 'node-kill', target: 'node-2', at: '33%' }],
    thresholds: { leaks: ['count==0'] },
    seed: 1,
  };
}

test('no flags: an equal copy, not the same object', () => {
  const input = base();
  const out = applyOverrides(input, {});
  assert.deepEqual(out, input);
  assert.notEqual(out, input);
  assert.notEqual(out.workload, input.workload);
});

test('each flag overrides its own field and nothing else', () => {
  const cases: Array<[OverrideFlags, (s: Record<string, any>) => void]> = [
    [{ duration: '20s' }, (s) => (s.workload.duration = '20s')],
    [{ users: '42' }, (s) => (s.workload.users = 42)],
    [{ connections: '8' }, (s) => (s.workload.connections = 8)],
    [{ nodes: '5' }, (s) => (s.topology.nodes = 5)],
    [{ requests: '1000' }, (s) => (s.workload.requests = 1000)],
    [{ rate: '250.5' }, (s) => (s.workload.rate = 250.5)],
    [{ seed: '0' }, (s) => (s.seed = 0)],
    [{ seed: '99' }, (s) => (s.seed = 99)],
    [{ balancer: 'nginx' }, (s) => (s.topology.balancer = 'nginx')],
    [{ provider: 'docker' }, (s) => (s.topology.provider = 'docker')],
    [{ strategy: 'redis', balancer: 'haproxy' }, (s) => (s.topology.strategy = 'redis')],
  ];
  for (const [flags, edit] of cases) {
    const expected = base();
    edit(expected);
    assert.deepEqual(applyOverrides(base(), flags), expected, JSON.stringify(flags));
  }
});

test('all flags together', () => {
  const out = applyOverrides(base(), {
    duration: '1m30s',
    users: '10',
    connections: '2',
    nodes: '2',
    strategy: 'redis',
    balancer: 'nginx',
    provider: 'local',
    requests: '77',
    rate: '5',
    seed: '3',
  });
  assert.deepEqual(out.topology, { nodes: 2, strategy: 'redis', balancer: 'nginx', provider: 'local' });
  assert.deepEqual(out.workload, { users: 10, connections: 2, duration: '1m30s', requests: 77, rate: 5 });
  assert.equal(out.seed, 3);
  assert.deepEqual(out.faults, base().faults);
});

test('the input scenario is not changed', () => {
  const input = base();
  applyOverrides(input, { duration: '5s', users: '1', strategy: 'redis', nodes: '1' });
  assert.deepEqual(input, base());
});

test('a scenario without topology/workload gets them from the flags', () => {
  const out = applyOverrides({ name: 'x' }, { users: '3', nodes: '2' });
  assert.deepEqual(out, { name: 'x', topology: { nodes: 2 }, workload: { users: 3 } });
});

test('--strategy without --balancer drops the scenario balancer so the strategy chooses', () => {
  const out = applyOverrides(base(), { strategy: 'redis' });
  assert.equal(out.topology.strategy, 'redis');
  assert.equal('balancer' in out.topology, false);
  const { scenario } = validateScenario(out);
  assert.equal(scenario.topology.balancer, undefined);
  assert.equal(findStrategy('redis')!.preferredBalancer, 'nginx');
});

test('--strategy with --balancer keeps the given balancer', () => {
  assert.equal(applyOverrides(base(), { strategy: 'redis', balancer: 'haproxy' }).topology.balancer, 'haproxy');
  assert.equal(applyOverrides(base(), { strategy: 'files', balancer: 'nginx' }).topology.balancer, 'nginx');
});

test('overrides on a real scenario file still validate', async () => {
  const raw = (await loadScenarioModule('redis-failover')) as Record<string, any>;
  const out = applyOverrides(raw, { duration: '10s', users: '20', connections: '4', strategy: 'affinity' });
  const { scenario } = validateScenario(out);
  assert.equal(scenario.workload.duration, '10s');
  assert.equal(scenario.topology.strategy, 'affinity');
  assert.equal(scenario.topology.balancer, undefined);
});

function throwsNaming(flags: OverrideFlags, flag: string): void {
  assert.throws(
    () => applyOverrides(base(), flags),
    (error: unknown) => {
      assert.ok(error instanceof InvalidInputError, `${JSON.stringify(flags)}: ${String(error)}`);
      assert.ok(error.message.startsWith(`--${flag}`), `${JSON.stringify(flags)}: message "${error.message}" does not name --${flag}`);
      return true;
    },
  );
}

test('bad values throw an InvalidInputError naming the flag', () => {
  const bad: Array<[OverrideFlags, string]> = [
    [{ duration: '20' }, 'duration'],
    [{ duration: 'soon' }, 'duration'],
    [{ users: '0' }, 'users'],
    [{ users: '1.5' }, 'users'],
    [{ users: 'many' }, 'users'],
    [{ connections: '-1' }, 'connections'],
    [{ connections: 'x' }, 'connections'],
    [{ nodes: '0' }, 'nodes'],
    [{ nodes: '17' }, 'nodes'],
    [{ nodes: 'three' }, 'nodes'],
    [{ requests: '0' }, 'requests'],
    [{ seed: '-1' }, 'seed'],
    [{ seed: '1.5' }, 'seed'],
    [{ rate: '0' }, 'rate'],
    [{ rate: '-3' }, 'rate'],
    [{ rate: 'fast' }, 'rate'],
    [{ strategy: 'memcached' }, 'strategy'],
    [{ strategy: 'memcached', balancer: 'nginx' }, 'strategy'],
    [{ balancer: 'traefik' }, 'balancer'],
    [{ strategy: 'redis', balancer: 'traefik' }, 'balancer'],
    [{ provider: 'k8s' }, 'provider'],
  ];
  for (const [flags, flag] of bad) throwsNaming(flags, flag);
});

test('the error for a bad strategy lists the known ones', () => {
  assert.throws(() => applyOverrides(base(), { strategy: 'memcached' }), /redis-locking/);
  assert.throws(() => applyOverrides(base(), { nodes: '17' }), /16/);
});

// ---- Issue 19: flag values are bounded like the scenario fields they override ----

test("regression: --duration '0s' and '1000h' are refused naming --duration (max 24h)", () => {
  throwsNaming({ duration: '0s' }, 'duration');
  throwsNaming({ duration: '1000h' }, 'duration');
  throwsNaming({ duration: '99999999999999999999999h' }, 'duration');
  assert.throws(() => applyOverrides(base(), { duration: '25h' }), /maximum of 24h/);
  assert.equal(applyOverrides(base(), { duration: '24h' }).workload.duration, '24h');
});

test('integer flags take digits only, within the field bounds (seed: 32 bits)', () => {
  const bad: Array<[OverrideFlags, string]> = [
    [{ seed: '' }, 'seed'],
    [{ seed: ' 5' }, 'seed'],
    [{ seed: '1e3' }, 'seed'],
    [{ seed: '0x10' }, 'seed'],
    [{ seed: '4294967296' }, 'seed'],
    [{ seed: '99999999999999999999' }, 'seed'],
    [{ users: '' }, 'users'],
    [{ users: '1000001' }, 'users'],
    [{ connections: '4097' }, 'connections'],
    [{ requests: '100000001' }, 'requests'],
    [{ rate: 'Infinity' }, 'rate'],
    [{ rate: '1e3' }, 'rate'],
    [{ rate: '1000001' }, 'rate'],
  ];
  for (const [flags, flag] of bad) throwsNaming(flags, flag);
  assert.equal(applyOverrides(base(), { seed: '4294967295' }).seed, 4294967295);
});

test('messages quote flag values on one line', () => {
  assert.throws(() => applyOverrides(base(), { balancer: 'a\nb' }), (error: Error) => !error.message.includes('\n') && /"a\\nb"/.test(error.message));
});

test('regression: a scenario that is not an object is an InvalidInputError, not a TypeError', () => {
  for (const raw of [null, 'str', [], 42]) {
    assert.throws(() => applyOverrides(raw as any, { users: '3' }), InvalidInputError);
  }
  // A topology of the wrong type is left for validation to name.
  const out = applyOverrides({ name: 'x', topology: 'three nodes' }, { nodes: '2' });
  assert.equal(out.topology, 'three nodes');
});
