import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VisitJobs } from '../../harness/workload/visit-jobs.js';
import { VirtualUserPool } from '../../harness/workload/virtual-users.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

test('a user whose request timed out gets no new request until the stack deadline has passed', async () => {
  const pool = new VirtualUserPool(1, 5);
  const jobs = new VisitJobs(pool, '', 80);
  const first = jobs.next()!;
  jobs.complete(first, 0, null, 'timeout');
  // The old workload handed the user a new request at once: two in flight for one user.
  assert.equal(jobs.next(), null, 'the only user was handed a new request while the old one may still run');
  assert.equal(pool.heldUsers, 1);
  await sleep(120);
  assert.equal(pool.heldUsers, 0);
  assert.ok(jobs.next(), 'the user was never released');
});

test('a connection error or an answer frees the user at once', () => {
  const pool = new VirtualUserPool(1, 5);
  const jobs = new VisitJobs(pool, '', 60_000);
  jobs.complete(jobs.next()!, 0, null, 'connection');
  const again = jobs.next();
  assert.ok(again);
  jobs.complete(again, 502, 'bad gateway');
  assert.ok(jobs.next());
});
