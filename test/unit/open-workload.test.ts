import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OpenWorkload } from '../../harness/workload/open-workload.js';
import { ArrivalSchedule } from '../../harness/workload/arrival-schedule.js';
import { VirtualUserPool } from '../../harness/workload/virtual-users.js';
import { VisitJobs } from '../../harness/workload/visit-jobs.js';
import type { RequestRecord } from '../../harness/workload/load-events.js';
import { standInApp as app } from '../helpers/stand-in-app.js';

function workload(url: string, schedule: ArrivalSchedule, extra: { connections?: number; maxInFlight?: number; users?: number } = {}) {
  const pool = new VirtualUserPool(extra.users ?? 50, 3);
  // Tokens must match what the stand-in echoes: `t-<user>`.
  for (const u of pool.users) (u as { token: string }).token = `t-${u.id}`;
  const records: RequestRecord[] = [];
  const w = new OpenWorkload({
    baseUrl: url, pool, jobs: new VisitJobs(pool), schedule,
    connections: extra.connections ?? 8, maxInFlight: extra.maxInFlight ?? 8, timeoutMs: 5000,
  });
  w.on('record', (r) => records.push(r));
  return { w, pool, records };
}

const p = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;

test('starts on the clock: the intended count is made on time, every answer checked ok', async () => {
  const server = await app();
  try {
    // Room for every start (a stalled event loop catches up in a burst): none may be dropped.
    const { w, records } = workload(server.url, ArrivalSchedule.constant(400, 1000), { maxInFlight: 400, users: 400 });
    const stats = await w.run();
    assert.equal(stats.intended, 400);
    assert.equal(stats.dropped, 0);
    assert.equal(stats.sent, 400);
    assert.equal(records.length, stats.sent);
    assert.ok(records.every((r) => r.check.outcome === 'ok'), JSON.stringify(records.find((r) => r.check.outcome !== 'ok')));
    assert.ok(records.every((r) => r.serviceMs! <= r.latencyMs + 1e-9), 'service time longer than the time from the intended start');
  } finally {
    await server.close();
  }
});

test('a start due while maxInFlight requests are out is dropped, not sent late', async () => {
  const server = await app(() => 200);
  try {
    const { w } = workload(server.url, ArrivalSchedule.constant(100, 1000), { connections: 4, maxInFlight: 4 });
    const stats = await w.run();
    // 4 in flight for 200 ms each: about 20 can start in 1 s of 100 intended.
    assert.ok(stats.sent <= 30 && stats.sent >= 10, `sent ${stats.sent}`);
    assert.equal(stats.dropped, stats.intended - stats.sent);
    assert.equal(stats.peakInFlight, 4);
    assert.ok(server.peak() <= 4);
  } finally {
    await server.close();
  }
});

test('coordinated omission, shown: a stall is in the latency from the intended start, not in the service time', async () => {
  // Requests 50..60 (of 300 over 1 s) each stall 400 ms: the 2 connections are stuck, and the
  // starts due meanwhile wait for a free one. A closed-loop generator would simply not send them.
  const server = await app((n) => (n >= 50 && n < 52 ? 400 : 0));
  try {
    const { w, records } = workload(server.url, ArrivalSchedule.constant(300, 1000), { connections: 2, maxInFlight: 400, users: 300 });
    const stats = await w.run();
    assert.equal(stats.dropped, 0);
    const intendedP99 = p(records.map((r) => r.latencyMs), 0.99);
    const serviceP99 = p(records.map((r) => r.serviceMs!), 0.99);
    assert.ok(intendedP99 > 200, `intended p99 ${intendedP99} ms does not show the 400 ms stall`);
    assert.ok(serviceP99 < intendedP99 / 4, `service p99 ${serviceP99} ms vs intended ${intendedP99} ms`);
  } finally {
    await server.close();
  }
});

test('stop() ends the schedule early and waits for what is in flight', async () => {
  const server = await app(() => 50);
  try {
    const { w, records } = workload(server.url, ArrivalSchedule.constant(100, 10_000));
    setTimeout(() => w.stop(), 300);
    const stats = await w.run();
    assert.ok(stats.intended < 100, `intended ${stats.intended}`);
    assert.equal(records.length, stats.sent, 'a request in flight at stop was not waited for');
  } finally {
    await server.close();
  }
});
