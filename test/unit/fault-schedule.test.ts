import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { FaultSchedule } from '../../harness/faults/fault-schedule.js';
import type { FaultContext } from '../../harness/faults/fault-kind.js';
import type { StartedTopology } from '../../harness/topology/topology-types.js';
import { nodeKillFault } from '../../harness/faults/node-kill.js';
import { redisDownFault } from '../../harness/faults/redis-down.js';

/** A topology whose node kills and restores do what `behave` says (the schedule is under test, not the stack). */
function context(behave: { kill?: (name: string) => Promise<void>; restore?: (name: string) => Promise<void> }): FaultContext {
  const topology = {
    killNode: behave.kill ?? (async () => {}),
    restoreNode: behave.restore ?? (async () => {}),
  } as unknown as StartedTopology;
  return { topology, toxiproxy: null, log: () => {} };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('an applied and healed fault records when its apply and heal completed', async () => {
  const spec = nodeKillFault.schema.parse({ type: 'node-kill', target: 'node-2', at: '10ms', restoreAt: '60ms' });
  const schedule = new FaultSchedule([spec], context({ kill: () => sleep(20) }), 1000);
  schedule.start(performance.now());
  await sleep(120);
  const [w] = await schedule.finish(200);
  assert.equal(w!.status, 'applied');
  assert.ok(w!.appliedAtMs! >= w!.startMs + 15, `applied at ${w!.appliedAtMs}, started ${w!.startMs}`);
  // Node's timers run on a cached loop clock and can fire a fraction of a millisecond early.
  assert.ok(w!.healedAtMs! >= 55 && w!.healedAtMs! > w!.appliedAtMs! && w!.endMs === w!.healedAtMs, JSON.stringify(w));
  assert.equal(w!.error, undefined);
});

test('a fault whose apply fails is recorded as apply-failed with its error, and is not healed', async () => {
  let restores = 0;
  const spec = nodeKillFault.schema.parse({ type: 'node-kill', target: 'node-2', at: '0ms', restoreAt: '30ms' });
  const ctx = context({
    kill: async () => {
      throw new Error('node-2 is not running (already killed): nothing to kill');
    },
    restore: async () => {
      restores++;
    },
  });
  const schedule = new FaultSchedule([spec], ctx, 1000);
  schedule.start(performance.now());
  await sleep(60);
  const [w] = await schedule.finish(100);
  // The old schedule kept a plain window: the report shaded a kill that never happened.
  assert.equal(w!.status, 'apply-failed');
  assert.match(w!.error!, /apply failed: node-2 is not running/);
  assert.equal(w!.appliedAtMs, undefined);
  assert.equal(restores, 0, 'a fault that never took effect was healed');
  assert.deepEqual(schedule.errors, ['node-kill node-2: apply failed: node-2 is not running (already killed): nothing to kill']);
});

test('a heal that fails is recorded as heal-failed', async () => {
  const spec = nodeKillFault.schema.parse({ type: 'node-kill', target: 'node-1', at: '0ms', restoreAt: '10ms' });
  const schedule = new FaultSchedule([spec], context({ restore: async () => Promise.reject(new Error('php-fpm did not start')) }), 1000);
  schedule.start(performance.now());
  await sleep(40);
  const [w] = await schedule.finish(100);
  assert.equal(w!.status, 'heal-failed');
  assert.match(w!.error!, /heal failed: php-fpm did not start/);
  assert.equal(w!.healedAtMs, undefined);
});

test('at the end of the run a fault is healed only when its kind needs it (a flag, not a type check)', async () => {
  const kill = nodeKillFault.schema.parse({ type: 'node-kill', target: 'node-1', at: '0ms' });
  let restores = 0;
  const schedule = new FaultSchedule([kill], context({ restore: async () => void restores++ }), 1000);
  schedule.start(performance.now());
  await sleep(20);
  const [w] = await schedule.finish(500);
  assert.equal(nodeKillFault.healAtTeardown, false);
  assert.equal(restores, 0);
  assert.equal(w!.endMs, 500, 'a fault never healed lasts to the end of the run');
  assert.equal(w!.status, 'applied');
  assert.equal(redisDownFault.healAtTeardown, true);
});

test('a fault due after the run ended leaves no window at all', async () => {
  const late = nodeKillFault.schema.parse({ type: 'node-kill', target: 'node-1', at: '10s' });
  const schedule = new FaultSchedule([late], context({}), 20_000);
  schedule.start(performance.now());
  assert.deepEqual(await schedule.finish(50), []);
});
