/** The utilization law, Little's law, the saturation prediction and the knee search, on numbers worked by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bottleneckOf, predictSaturation, serviceDemand, tierDemands, utilizationAt } from '../../harness/capacity/service-demand.js';
import { littleConcurrency, maxChildrenFor, newSessionRate, storedSessions } from '../../harness/capacity/little-law.js';
import { kneeOf, nextRate, type StepVerdict } from '../../harness/capacity/knee-search.js';

test('utilization law: D = U / X, and U = X D back', () => {
  // 0.6 cores busy while completing 1200 req/s: 0.5 ms of CPU per request.
  assert.equal(serviceDemand(0.6, 1200), 0.0005);
  assert.equal(utilizationAt(1200, 0.0005), 0.6);
  assert.throws(() => serviceDemand(0.5, 0), /throughput/);
});

test('tier demands from CPU seconds over a window; the bottleneck is the largest demand, never the harness', () => {
  // 10 s window, 5000 requests (500 req/s): php 3 s CPU -> 0.6 ms/request, U 0.3.
  const demands = tierDemands({ 'php-fpm': 3, 'node-web': 1, redis: 0.5, harness: 4 }, 10, 5000);
  const php = demands.find((d) => d.tier === 'php-fpm')!;
  assert.ok(Math.abs(php.demandMs - 0.6) < 1e-9 && Math.abs(php.utilization - 0.3) < 1e-9, JSON.stringify(php));
  assert.equal(bottleneckOf(demands)?.tier, 'php-fpm');
  assert.deepEqual(tierDemands({ redis: 1 }, 10, 0), []);
});

test('saturation: shared cores over the summed demands, or a single-threaded tier first', () => {
  const demands = tierDemands({ 'php-fpm': 4, 'node-web': 1, redis: 1, harness: 2 }, 10, 10_000); // 0.4 + 0.1 + 0.1 + 0.2 ms
  const p = predictSaturation(demands, 2)!;
  // 2 cores / 0.8 ms = 2500 req/s; Redis alone could do 10000, the harness 5000.
  assert.ok(Math.abs(p.rate - 2500) < 1e-6, JSON.stringify(p));
  assert.match(p.limitedBy, /host CPU/);
  const redisBound = predictSaturation(tierDemands({ 'php-fpm': 1, redis: 8 }, 10, 10_000), 16)!;
  assert.ok(Math.abs(redisBound.rate - 1250) < 1e-6, JSON.stringify(redisBound));
  assert.match(redisBound.limitedBy, /redis/);
});

test("Little's law: workers busy, max_children with headroom, stored sessions", () => {
  assert.equal(littleConcurrency(1000, 0.02), 20);
  // 1500 req/s per node x 12 ms = 18 busy, x2 headroom = 36.
  assert.equal(maxChildrenFor(1500, 0.012, 2), 36);
  assert.equal(maxChildrenFor(1, 0.001, 2), 2, 'at least 2');
  // 6000 users staying 10 min: 10 new sessions/s; each lives 600 + 1440 s: 20400 stored.
  assert.equal(newSessionRate(6000, 600), 10);
  assert.equal(storedSessions(10, 600, 1440), 20400);
});

const opts = { startRate: 100, maxSteps: 8, maxInvalid: 3, growth: 2, resolution: 0.15, minRate: 5 };

test('knee search: doubles while passing, bisects after the first failure, stops within the resolution', () => {
  const capacity = 700; // the stack passes below this
  const h: StepVerdict[] = [];
  for (;;) {
    const next = nextRate(h, opts);
    if ('done' in next) {
      assert.match(next.done, /knee is between|step limit/);
      break;
    }
    h.push({ rate: next.rate, status: next.rate < capacity ? 'pass' : 'fail' });
  }
  assert.deepEqual(h.slice(0, 5).map((s) => s.rate), [100, 200, 400, 800, 600]);
  const knee = kneeOf(h);
  assert.ok(knee.rate! < capacity && knee.firstFail! >= capacity && (knee.firstFail! - knee.rate!) / knee.rate! <= 0.15, JSON.stringify(knee));
});

test('knee search: invalid steps are retried and do not count; three in a row end it', () => {
  assert.deepEqual(nextRate([{ rate: 100, status: 'invalid' }], opts), { rate: 100 });
  const three: StepVerdict[] = [{ rate: 100, status: 'pass' }, { rate: 200, status: 'invalid' }, { rate: 200, status: 'invalid' }, { rate: 200, status: 'invalid' }];
  const done = nextRate(three, opts);
  assert.ok('done' in done && /three steps at 200/.test(done.done), JSON.stringify(done));
  // A failing first step goes down.
  assert.deepEqual(nextRate([{ rate: 100, status: 'fail' }], opts), { rate: 50 });
  assert.deepEqual(kneeOf([{ rate: 100, status: 'fail' }]), { rate: null, firstFail: 100 });
});

test('knee search: an overloaded step that achieved less than it was offered bounds the knee by what it achieved', () => {
  const h: StepVerdict[] = [
    { rate: 1600, status: 'pass', throughput: 1598 },
    { rate: 3200, status: 'fail', throughput: 1900 },
  ];
  assert.deepEqual(nextRate(h, opts), { rate: 1750 });
  // A failure by errors at full throughput keeps its offered rate as the bound.
  assert.deepEqual(nextRate([h[0]!, { rate: 3200, status: 'fail', throughput: 3190 }], opts), { rate: 2400 });
  // Overloaded and completing no more than the last pass: the knee is that pass (within 5%), the search ends.
  const flat = nextRate([h[0]!, { rate: 3200, status: 'fail', throughput: 1572 }], opts);
  assert.ok('done' in flat && /between 1600 and 1680/.test(flat.done), JSON.stringify(flat));
});
