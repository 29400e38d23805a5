/**
 * The pieces of the production faults that need no stack: the Toxiproxy call's timeout and
 * retry, the settings that reach php.ini and the balancer configs, the new CLI overrides, and
 * the checks a paused node or Redis must pass before a fault counts as applied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { HarnessError, InvalidInputError } from '../../harness/errors.js';
import { toxiproxyCall } from '../../harness/faults/proxy-links.js';
import { redisSavePath } from '../../harness/strategies/redis-handler.js';
import { renderNginxBalancerConfig, nginxBalancerRetry } from '../../harness/topology/config/nginx-balancer-config.js';
import { haproxyBalancerRetry, renderHaproxyConfig } from '../../harness/topology/config/haproxy-config.js';
import { balancerTimeoutsOf } from '../../harness/topology/plan/plan-topology.js';
import { requestDeadlineMs } from '../../harness/topology/config/request-deadline.js';
import { redisPersistenceArgs } from '../../harness/topology/config/redis-config.js';
import { applyOverrides } from '../../harness/cli/scenario-overrides.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { NodeSlots } from '../../harness/topology/node-slots.js';
import { FaultSchedule } from '../../harness/faults/fault-schedule.js';
import { nodeHangFault } from '../../harness/faults/node-hang.js';
import type { StartedTopology } from '../../harness/topology/topology-types.js';

test('a Toxiproxy call that never answers is given up after its timeout and tried once more, then fails naming the call', async () => {
  let calls = 0;
  const t0 = performance.now();
  await assert.rejects(
    toxiproxyCall('disable proxy p', () => {
      calls++;
      return new Promise<void>(() => {});
    }, 50),
    (e: unknown) => e instanceof HarnessError && /Toxiproxy API: disable proxy p failed twice: no answer within 50 ms/.test(e.message),
  );
  assert.equal(calls, 2);
  assert.ok(performance.now() - t0 >= 95, 'gave up before two timeouts');
});

test('a Toxiproxy call that fails once and then answers succeeds (one retry)', async () => {
  let calls = 0;
  const value = await toxiproxyCall('add toxic', async () => {
    if (++calls === 1) throw new Error('ECONNRESET');
    return 'ok';
  }, 1000);
  assert.equal(value, 'ok');
  assert.equal(calls, 2);
});

test('phpredis timeouts: 2 s each by default, explicit values, or left out for phpredis\'s own', () => {
  const redis = { host: '127.0.0.1', port: 6379 };
  assert.equal(redisSavePath(redis), 'tcp://127.0.0.1:6379?timeout=2&read_timeout=2&persistent=0&prefix=PHPREDIS_SESSION:');
  assert.equal(redisSavePath(redis, { timeoutS: 0.5, readTimeoutS: 1 }), 'tcp://127.0.0.1:6379?timeout=0.5&read_timeout=1&persistent=0&prefix=PHPREDIS_SESSION:');
  assert.equal(redisSavePath(redis, { timeoutS: 'default', readTimeoutS: 'default', persistent: true }), 'tcp://127.0.0.1:6379?persistent=1&prefix=PHPREDIS_SESSION:');
});

test('balancer timeouts reach the rendered config and the recorded retry policy; the request deadline follows the read timeout', () => {
  const upstreams = { 'node-1': '127.0.0.1:1', 'node-2': '127.0.0.1:2' };
  const timeouts = { connectMs: 150, readMs: 2500 };
  const nginx = renderNginxBalancerConfig({ listen: '127.0.0.1:3', upstreams, sticky: false, prefixDir: '/tmp/p', reuse: true, timeouts });
  assert.match(nginx, /proxy_connect_timeout 150ms;/);
  assert.match(nginx, /proxy_read_timeout 2500ms;/);
  assert.match(nginx, /proxy_next_upstream_timeout 2500ms;/);
  const haproxy = renderHaproxyConfig({ listen: '127.0.0.1:3', upstreams, sticky: false, reuse: true, timeouts });
  assert.match(haproxy, /timeout connect 150ms/);
  assert.match(haproxy, /timeout server 2500ms/);
  assert.equal(nginxBalancerRetry(timeouts).readTimeoutMs, 2500);
  assert.equal(haproxyBalancerRetry('haproxy', timeouts).connectTimeoutMs, 150);
  // Unset ones are the balancer's own defaults.
  assert.deepEqual(balancerTimeoutsOf({ balancer: 'nginx', balancerTimeouts: { readMs: 1000 } }), { connectMs: 200, readMs: 1000 });
  assert.deepEqual(balancerTimeoutsOf({ balancer: 'haproxy' }), { connectMs: 100, readMs: 30_000 });
  assert.equal(requestDeadlineMs(1000), 1000 + 30_000 + 1000);
  assert.ok(requestDeadlineMs(60_000) > requestDeadlineMs(), 'a longer balancer wait holds a timed-out user longer');
});

test('Redis persistence settings become redis-server arguments', () => {
  assert.deepEqual(redisPersistenceArgs('none'), ['--save', '', '--appendonly', 'no']);
  assert.deepEqual(redisPersistenceArgs('aof'), ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec']);
  assert.equal(redisPersistenceArgs('rdb')[1], '3600 1 300 100 60 10000');
});

const scenario = () => ({ name: 'pf', topology: { nodes: 2, strategy: 'redis' }, workload: { users: 10, connections: 2, duration: '10s' } });

test('--redis-persistence and --redis-timeout set topology.redis; bad values name the flag', () => {
  const out = applyOverrides(scenario(), { 'redis-persistence': 'aof', 'redis-timeout': '0.5' });
  assert.deepEqual(out.topology.redis, { persistence: 'aof', timeout: 0.5, readTimeout: 0.5 });
  assert.deepEqual(applyOverrides(scenario(), { 'redis-timeout': 'default' }).topology.redis, { timeout: 'default', readTimeout: 'default' });
  for (const [flags, name] of [
    [{ 'redis-persistence': 'disk' }, '--redis-persistence'],
    [{ 'redis-timeout': '0' }, '--redis-timeout'],
    [{ 'redis-timeout': ' 1' }, '--redis-timeout'],
    [{ 'redis-timeout': '601' }, '--redis-timeout'],
  ] as const) {
    assert.throws(() => applyOverrides(scenario(), flags), (e: unknown) => e instanceof InvalidInputError && e.message.startsWith(name), JSON.stringify(flags));
  }
});

test('topology.redis, balancerTimeouts and the fault modes are validated, each problem naming its field', () => {
  const ok = validateScenario({
    ...scenario(),
    topology: { nodes: 2, strategy: 'redis', redis: { persistence: 'rdb', timeout: 1, readTimeout: 'default' }, balancerTimeouts: { connect: '100ms', read: '3s' } },
    faults: [
      { type: 'redis-down', at: '10%', duration: '10%', mode: 'blackhole' },
      { type: 'redis-restart', at: '50%', mode: 'crash' },
      { type: 'redis-memory-pressure', at: '60%', duration: '10%', share: 0.3, policy: 'noeviction' },
      { type: 'node-hang', target: 'node-2', at: '80%', duration: '10%' },
    ],
  });
  assert.equal(ok.scenario.topology.redis.persistence, 'rdb');
  const refuse = (patch: Record<string, unknown>, field: RegExp) =>
    assert.throws(() => validateScenario({ ...scenario(), ...patch }), (e: unknown) => e instanceof InvalidInputError && field.test(e.message), JSON.stringify(patch));
  refuse({ topology: { nodes: 2, strategy: 'redis', redis: { persistence: 'disk' } } }, /topology\.redis\.persistence/);
  refuse({ topology: { nodes: 2, strategy: 'redis', redis: { timeout: 0 } } }, /topology\.redis\.timeout/);
  refuse({ topology: { nodes: 2, strategy: 'redis', balancerTimeouts: { read: '0s' } } }, /topology\.balancerTimeouts\.read/);
  refuse({ topology: { nodes: 2, strategy: 'redis', balancerTimeouts: { connect: '2m' } } }, /topology\.balancerTimeouts\.connect/);
  refuse({ faults: [{ type: 'node-partition', target: 'node-1', at: '10%', mode: 'drop' }] }, /faults\[0\]\.mode/);
  refuse({ faults: [{ type: 'redis-memory-pressure', at: '10%', share: 1 }] }, /faults\[0\]\.share/);
  refuse({ faults: [{ type: 'redis-memory-pressure', at: '10%', policy: 'lru' }] }, /faults\[0\]\.policy/);
  refuse({ faults: [{ type: 'redis-restart', at: '10%', keepData: true }] }, /faults\[0\]\.keepData: unknown attribute/);
});

test('a node cannot hang twice, nor after it was killed; only a hung node can be resumed', () => {
  const slots = new NodeSlots<string>(['node-1', 'node-2']);
  slots.set('node-1', 'procs-1');
  slots.set('node-2', 'procs-2');
  assert.equal(slots.pause('node-1'), 'procs-1');
  assert.equal(slots.isPaused('node-1'), true);
  assert.throws(() => slots.pause('node-1'), /already paused/);
  assert.throws(() => slots.resume('node-2'), /not paused/);
  assert.equal(slots.resume('node-1'), 'procs-1');
  slots.take('node-2');
  assert.throws(() => slots.pause('node-2'), /not running/);
  assert.throws(() => slots.pause('node-9'), InvalidInputError);
});

test('a hang the provider cannot make is recorded as apply-failed, and nothing is healed', async () => {
  const topology = { provider: 'external' } as unknown as StartedTopology;
  const spec = nodeHangFault.schema.parse({ type: 'node-hang', target: 'node-1', at: '0ms', duration: '20ms' });
  const schedule = new FaultSchedule([spec], { topology, toxiproxy: null, log: () => {} }, 1000);
  schedule.start(performance.now());
  await new Promise((r) => setTimeout(r, 60));
  const [w] = await schedule.finish(100);
  assert.equal(w!.status, 'apply-failed');
  assert.match(w!.error!, /cannot pause a node/);
});
