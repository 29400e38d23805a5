/** The plan's arithmetic on hand-worked numbers, and an unreachable target that says so and names the bottleneck. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePlan, MAXMEMORY_HEADROOM, type PlanInput } from '../../harness/capacity/capacity-plan.js';

const input: PlanInput = {
  targetRps: 3000,
  users: 6000,
  visitSpanS: 600,
  gcMaxlifetimeS: 1440,
  coresPerNode: 4,
  utilization: 0.7,
  nodeDemandMs: 2.5,
  demandSource: 'test',
  bottleneck: 'php-fpm',
  bottleneckDemandMs: 2,
  meanServiceMs: 10,
  meanServiceSource: 'test',
  phpRssPerProcessBytes: 20 * 1048576,
  redisDemandMs: 0.05,
  redisCommandsPerRequest: 2,
  bytesPerSession: 300,
  bytesPerSessionSource: 'test',
  networkBytesPerRequest: 4000,
  redisNetBytesPerRequest: 500,
  bestKnee: { rate: 5000, nodes: 2 },
  usesRedis: true,
};

test('nodes, max_children, Redis throughput and memory', () => {
  const p = makePlan(input);
  // 3000 x 2.5 ms = 7.5 cores; / (4 x 0.7) = 2.68 -> 3 nodes.
  assert.equal(p.nodes.value, 3);
  // 1000 req/s per node x 10 ms = 10 busy workers, x 2 headroom = 20.
  assert.equal(p.maxChildren.value, 20);
  assert.equal(p.phpMemoryPerNode.value, 21 * 20 * 1048576);
  assert.equal(p.redisOpsPerSec.value, 6000);
  // One thread at 0.05 ms per request: 20000 req/s, 40000 commands/s; 3000 req/s keep it 15% busy.
  assert.equal(p.redisCeilingOpsPerSec.value, 40000);
  assert.ok(Math.abs(p.redisUtilization.value! - 0.15) < 1e-12);
  // 6000 users / 600 s = 10 new sessions/s, x (600 + 1440) s = 20400 sessions x 300 B.
  assert.equal(p.storedSessions.value, 20400);
  assert.equal(p.redisMemoryBytes.value, 20400 * 300);
  assert.equal(p.maxmemoryBytes.value, Math.ceil((20400 * 300 * MAXMEMORY_HEADROOM) / 1048576) * 1048576);
  assert.equal(p.reachable, true);
  assert.match(p.verdict, /^reachable: 3 node\(s\)/);
  for (const f of [p.nodes, p.maxChildren, p.redisOpsPerSec, p.redisMemoryBytes, p.storedSessions]) assert.ok(f.source.length > 10, 'every figure says where it came from');
});

test('a target above every measured knee is UNREACHABLE, names the bottleneck and says the node count is extrapolated', () => {
  const p = makePlan({ ...input, targetRps: 9000 });
  assert.equal(p.reachable, false);
  assert.match(p.verdict, /UNREACHABLE as measured: 9000 req\/s is above what any node count tested reached here \(best 5000 req\/s with 2 node\(s\)\)/);
  assert.match(p.verdict, /bottleneck: php-fpm/);
  assert.match(p.verdict, /extrapolated from the service demands/);
});

test('a Redis thread past the utilization limit is unreachable whatever the node count', () => {
  const p = makePlan({ ...input, redisDemandMs: 0.5, bestKnee: { rate: 1e6, nodes: 8 } });
  assert.equal(p.reachable, false);
  assert.match(p.verdict, /one Redis would be 150% busy/);
});

test('nothing measured: no invented figures', () => {
  const p = makePlan({ ...input, nodeDemandMs: null, meanServiceMs: null, bytesPerSession: null, bestKnee: null });
  assert.equal(p.nodes.value, null);
  assert.equal(p.maxChildren.value, null);
  assert.equal(p.redisMemoryBytes.value, null);
  assert.match(p.verdict, /no step met the objective/);
});
