import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClosedWorkload } from '../../harness/workload/closed-workload.js';
import { VirtualUserPool } from '../../harness/workload/virtual-users.js';
import { VisitJobs } from '../../harness/workload/visit-jobs.js';
import type { RequestRecord } from '../../harness/workload/load-events.js';
import { standInApp } from '../helpers/stand-in-app.js';

function pool(users: number): VirtualUserPool {
  const p = new VirtualUserPool(users, 9);
  for (const u of p.users) (u as { token: string }).token = `t-${u.id}`;
  return p;
}

test('closed model: each connection waits for its answer; every answer is checked, one request per user at most', async () => {
  const app = await standInApp(() => 5);
  try {
    const users = pool(20);
    const records: RequestRecord[] = [];
    const w = new ClosedWorkload({ baseUrl: app.url, pool: users, jobs: new VisitJobs(users), connections: 4, requests: 200, timeoutMs: 5000 });
    w.on('record', (r) => records.push(r));
    const { requests } = await w.run();
    assert.equal(requests, 200);
    assert.equal(records.length, 200);
    assert.ok(records.every((r) => r.check.outcome === 'ok'), JSON.stringify(records.find((r) => r.check.outcome !== 'ok')));
    assert.equal(app.peak(), 4, 'more requests in flight than connections');
  } finally {
    await app.close();
  }
});

test('closed model with a ramp: the connections follow the stages up and back down', async () => {
  const app = await standInApp(() => 10);
  try {
    const users = pool(100);
    const samples: number[] = [];
    const w = new ClosedWorkload({
      baseUrl: app.url, pool: users, jobs: new VisitJobs(users), connections: 1, timeoutMs: 5000,
      ramp: [{ durationMs: 600, target: 12 }, { durationMs: 400, target: 12 }, { durationMs: 600, target: 2 }],
    });
    const sampler = setInterval(() => samples.push(app.concurrent()), 50);
    const started = Date.now();
    await w.run();
    clearInterval(sampler);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1500, `the ramp lasts its stages: ran ${elapsed} ms`);
    assert.equal(w.peakConnections, 12);
    const first = samples.slice(0, 3);
    const middle = samples.slice(Math.floor(samples.length * 0.45), Math.floor(samples.length * 0.6));
    const last = samples.slice(-4, -1);
    assert.ok(Math.max(...first) <= 5, `start ${first}`);
    assert.ok(Math.max(...middle) >= 10, `middle ${middle}`);
    // Near the end of the ramp down (12 -> 2 over 600 ms) about 3-6 loops are left.
    assert.ok(Math.max(...last) <= 8 && Math.max(...last) < Math.max(...middle), `end ${last}, middle ${middle}`);
  } finally {
    await app.close();
  }
});

test('closed model: failures are recorded per request (refused connection with its errno, timeout) and the run still ends at its count', async () => {
  // A port nobody listens on: every request fails to connect.
  const gone = await standInApp();
  const deadUrl = gone.url;
  await gone.close();
  const users = pool(10);
  const records: RequestRecord[] = [];
  const errnos: Array<string | undefined> = [];
  const refused = new ClosedWorkload({ baseUrl: deadUrl, pool: users, jobs: new VisitJobs(users), connections: 2, requests: 30, timeoutMs: 5000 });
  refused.on('record', (r) => records.push(r));
  refused.on('connError', (code) => errnos.push(code));
  assert.equal((await refused.run()).requests, 30);
  assert.equal(records.length, 30);
  assert.ok(records.every((r) => r.status === 0 && r.failure === 'connection' && r.check.outcome === 'error'));
  assert.deepEqual(new Set(errnos), new Set(['ECONNREFUSED']));
  assert.equal(errnos.length, 30);

  // undici's headers timer ticks about every 500 ms: an answer 2.5 s late times out either way.
  const slow = await standInApp(() => 2500);
  try {
    const timedOut: RequestRecord[] = [];
    const w = new ClosedWorkload({ baseUrl: slow.url, pool: users, jobs: new VisitJobs(users), connections: 2, requests: 2, timeoutMs: 300 });
    w.on('record', (r) => timedOut.push(r));
    await w.run();
    assert.equal(timedOut.length, 2);
    assert.ok(timedOut.every((r) => r.failure === 'timeout' && r.check.outcome === 'error' && r.latencyMs >= 290), JSON.stringify(timedOut));
  } finally {
    await slow.close();
  }
});

test('closed model: an exception thrown by a record listener ends the run with it', async () => {
  const app = await standInApp();
  try {
    const users = pool(10);
    const w = new ClosedWorkload({ baseUrl: app.url, pool: users, jobs: new VisitJobs(users), connections: 3, requests: 50, timeoutMs: 5000 });
    let seen = 0;
    w.on('record', () => {
      if (++seen === 5) throw new Error('listener broke');
    });
    await assert.rejects(w.run(), /listener broke/);
  } finally {
    await app.close();
  }
});
