import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BurstJobs } from '../../harness/workload/burst-jobs.js';
import { VirtualUserPool } from '../../harness/workload/virtual-users.js';
import { userVerdict } from '../../harness/checks/session-checker.js';
import type { Job } from '../../harness/workload/job-source.js';

/** The app's JSON answer for one user of the pool. */
function answer(pool: VirtualUserPool, userIndex: number, visitCount: number, extra: Record<string, unknown> = {}): string {
  const user = pool.users[userIndex]!;
  return JSON.stringify({
    node: 'node-1',
    sid: `sid-${user.id}`,
    session_started: true,
    written: true,
    warnings: [],
    visit_count: visitCount,
    user: user.id,
    variableString: user.token,
    handler: 'redis',
    serializer: 'php',
    ...extra,
  });
}

function take(source: BurstJobs, n: number): Job[] {
  const jobs: Job[] = [];
  for (let i = 0; i < n; i++) {
    const job = source.next();
    assert.ok(job, `job ${i + 1} of ${n} was null`);
    jobs.push(job);
  }
  return jobs;
}

/** BurstStats with every counter 0 but those given. */
function stats(k: number, given: Partial<BurstJobs['stats']>): BurstJobs['stats'] {
  return {
    bursts: 0, burstSize: k, determinateBursts: 0, ackedIncrements: 0, lostUpdates: 0, lostFlaggedUnsaved: 0, burstsWithLoss: 0,
    indeterminateIncrements: 0, timedOutIncrements: 0, indeterminateBursts: 0, indeterminateLostMin: 0, indeterminateLostMax: 0,
    unsavedIncrements: 0, excessIncrements: 0, ...given,
  };
}

/** A pool of one user with its first visit answered at count `base`. */
function started(burstSize: number, base = 1) {
  const pool = new VirtualUserPool(1, 7);
  const jobs = new BurstJobs(pool, burstSize);
  const visit = jobs.next()!;
  jobs.complete(visit, 200, answer(pool, 0, base));
  return { pool, jobs };
}

test('the first job of a user is a visit that stores its token', () => {
  const pool = new VirtualUserPool(1, 7);
  const user = pool.users[0]!;
  const jobs = new BurstJobs(pool, 4);
  const visit = jobs.next();
  assert.deepEqual(visit, { userIndex: 0, kind: 'visit', path: `/?user=${user.id}&set=${user.token}` });
  assert.equal(pool.isBusy(0), true);
  // the only user is busy: nothing else to send
  assert.equal(jobs.next(), null);
  const check = jobs.complete(visit!, 200, answer(pool, 0, 1));
  assert.equal(check.outcome, 'ok');
  assert.equal(pool.isBusy(0), false);
  assert.equal(user.tokenStored, true);
});

test('then k burst jobs for one user, then one read-only check', () => {
  const k = 5;
  const { pool, jobs } = started(k);
  const id = pool.users[0]!.id;
  const burst = take(jobs, k);
  for (const job of burst) {
    assert.equal(job.kind, 'burst');
    assert.equal(job.userIndex, 0);
    assert.equal(job.path, `/?user=${id}`);
  }
  assert.equal(pool.isBusy(0), true);
  assert.equal(jobs.next(), null, 'no check before the burst is answered');
  burst.forEach((job, i) => {
    const r = jobs.complete(job, 200, answer(pool, 0, 2 + i));
    assert.equal(r.outcome, 'ok');
    if (i < k - 1) assert.equal(jobs.next(), null, `check issued after only ${i + 1} answers`);
  });
  const check = jobs.next();
  assert.deepEqual(check, { userIndex: 0, kind: 'check', path: `/?user=${id}&read=1` });
  assert.equal(jobs.next(), null, 'one check only');
});

test('a check showing base+k: no lost update, outcome ok, user intact', () => {
  const k = 5;
  const { pool, jobs } = started(k, 1);
  const burst = take(jobs, k);
  // answers may arrive in any order and with any count: only the check judges
  for (const job of burst.reverse()) jobs.complete(job, 200, answer(pool, 0, 3));
  const checkJob = jobs.next()!;
  const result = jobs.complete(checkJob, 200, answer(pool, 0, 1 + k));
  assert.equal(result.outcome, 'ok');
  assert.equal(result.expected, 1 + k);
  assert.equal(result.got, 1 + k);
  assert.deepEqual(jobs.stats, stats(k, { bursts: 1, determinateBursts: 1, ackedIncrements: k }));
  assert.equal(pool.isBusy(0), false);
  assert.equal(pool.users[0]!.lastCount, 1 + k);
  pool.users[0]!.finalHasToken = true;
  assert.equal(userVerdict(pool.users[0]!), 'intact');
});

test('a check showing base+k-3: 3 lost updates, one burst with loss; the next burst starts from what was read', () => {
  const k = 5;
  const { pool, jobs } = started(k, 10);
  for (const job of take(jobs, k)) jobs.complete(job, 200, answer(pool, 0, 11));
  const result = jobs.complete(jobs.next()!, 200, answer(pool, 0, 10 + k - 3));
  assert.equal(result.expected, 10 + k);
  assert.equal(result.got, 10 + k - 3);
  assert.notEqual(result.outcome, 'ok');
  assert.deepEqual(jobs.stats, stats(k, { bursts: 1, determinateBursts: 1, ackedIncrements: k, lostUpdates: 3, burstsWithLoss: 1 }));

  // second burst from base 12: all 5 land -> no new loss
  const second = take(jobs, k);
  assert.ok(second.every((j) => j.kind === 'burst'), 'after a readable check the next job is a burst, not a visit');
  for (const job of second) jobs.complete(job, 200, answer(pool, 0, 13));
  const again = jobs.complete(jobs.next()!, 200, answer(pool, 0, 12 + k));
  assert.equal(again.expected, 12 + k);
  assert.equal(again.outcome, 'ok');
  assert.deepEqual(jobs.stats, stats(k, { bursts: 2, determinateBursts: 2, ackedIncrements: 2 * k, lostUpdates: 3, burstsWithLoss: 1 }));
});

test('increments without an answer are indeterminate: their burst is reported apart as a range, never netted', () => {
  const k = 4;
  const { pool, jobs } = started(k, 1);
  const [a, b, c, d] = take(jobs, k);
  jobs.complete(a!, 200, answer(pool, 0, 2));
  assert.equal(jobs.complete(b!, 0, null, 'timeout').outcome, 'error');
  assert.equal(jobs.complete(c!, 502, '<html>bad gateway</html>').outcome, 'error');
  jobs.complete(d!, 200, answer(pool, 0, 3));
  // 1 + 2 acknowledged = 3 at least, 5 at most. 3 read: the two acked landed, the others did not...
  const result = jobs.complete(jobs.next()!, 200, answer(pool, 0, 3));
  assert.equal(result.expected, 3);
  assert.equal(result.outcome, 'ok');
  // ...or one acked was lost and one indeterminate landed: the old code netted them to 0 lost.
  assert.deepEqual(
    jobs.stats,
    stats(k, { bursts: 1, indeterminateBursts: 1, indeterminateIncrements: 2, timedOutIncrements: 1, indeterminateLostMin: 0, indeterminateLostMax: 2 }),
  );
});

test('lostUpdateRate divides by the increments answered in determinate bursts', () => {
  const k = 4;
  const { pool, jobs } = started(k, 1);
  for (const job of take(jobs, k)) jobs.complete(job, 200, answer(pool, 0, 2));
  jobs.complete(jobs.next()!, 200, answer(pool, 0, 1 + k - 1)); // one lost of 4 acked
  // an indeterminate burst next: not in the rate's numerator or denominator
  const next = take(jobs, k);
  jobs.complete(next[0]!, 0, null, 'timeout');
  for (const job of next.slice(1)) jobs.complete(job, 200, answer(pool, 0, 5));
  jobs.complete(jobs.next()!, 200, answer(pool, 0, 4 + 2));
  assert.equal(jobs.stats.ackedIncrements, k);
  assert.equal(jobs.stats.lostUpdates, 1);
  assert.equal(jobs.stats.indeterminateBursts, 1);
  assert.equal(jobs.stats.indeterminateLostMin, 1);
  assert.equal(jobs.stats.indeterminateLostMax, 2);
});

test('a count above every increment sent is counted as excess, not as a loss', () => {
  const k = 3;
  const { pool, jobs } = started(k, 1);
  for (const job of take(jobs, k)) jobs.complete(job, 200, answer(pool, 0, 2));
  const result = jobs.complete(jobs.next()!, 200, answer(pool, 0, 1 + k + 2));
  assert.equal(result.outcome, 'ahead');
  assert.equal(jobs.stats.excessIncrements, 2);
  assert.equal(jobs.stats.lostUpdates, 0);
});

test("every burst answer is checked: another user's session is a leak, a failed write is unsaved", () => {
  const k = 3;
  const { pool, jobs } = started(k, 1);
  const [a, b, c] = take(jobs, k);
  assert.equal(jobs.complete(a!, 200, answer(pool, 0, 2, { user: 'u9', variableString: 't9' })).outcome, 'leak');
  assert.equal(pool.users[0]!.leaked, true, 'the old code judged only the final count');
  assert.equal(jobs.complete(b!, 200, answer(pool, 0, 2, { written: false })).outcome, 'unsaved');
  assert.equal(jobs.complete(c!, 200, answer(pool, 0, 3)).outcome, 'ok');
  // The dropped write is acknowledged to the user (a 200): missing from the count, it is a lost update the app flagged.
  jobs.complete(jobs.next()!, 200, answer(pool, 0, 1 + k - 1));
  assert.equal(jobs.stats.lostUpdates, 1);
  assert.equal(jobs.stats.lostFlaggedUnsaved, 1);
  assert.equal(jobs.stats.unsavedIncrements, 1);
});

test('a timed-out increment delays the check and holds the user until the stack deadline', async () => {
  const k = 2;
  const pool = new VirtualUserPool(1, 7);
  const jobs = new BurstJobs(pool, k, '', 60);
  jobs.complete(jobs.next()!, 200, answer(pool, 0, 1));
  const [a, b] = take(jobs, k);
  jobs.complete(a!, 200, answer(pool, 0, 2));
  jobs.complete(b!, 0, null, 'timeout');
  assert.equal(jobs.next(), null, 'the check went out while the timed-out increment may still run');
  await new Promise((r) => setTimeout(r, 90));
  const check = jobs.next()!;
  assert.equal(check.kind, 'check');
  jobs.complete(check, 0, null, 'timeout');
  assert.equal(pool.isBusy(0), true, 'a user whose check timed out was handed a new request at once');
  await new Promise((r) => setTimeout(r, 90));
  assert.equal(pool.isBusy(0), false);
});

test('a failed check makes the next job a read that learns the count, without rewriting the token', () => {
  const k = 3;
  const { pool, jobs } = started(k, 1);
  const user = pool.users[0]!;
  for (const job of take(jobs, k)) jobs.complete(job, 200, answer(pool, 0, 2));
  const failed = jobs.complete(jobs.next()!, 0, null);
  assert.equal(failed.outcome, 'error');
  assert.equal(failed.got, null);
  assert.equal(pool.isBusy(0), false);
  assert.equal(jobs.stats.bursts, 0, 'a burst without a readable check is not judged');
  assert.equal(jobs.stats.lostUpdates, 0);

  // Re-sending the token would repair a lost session: a lost session must stay lost.
  const learn = jobs.next();
  assert.deepEqual(learn, { userIndex: 0, kind: 'learn', path: `/?user=${user.id}&read=1` });
  jobs.complete(learn!, 200, answer(pool, 0, 5, { written: null }));
  // back to bursts, judged from the count the read saw
  for (const job of take(jobs, k)) {
    assert.equal(job.kind, 'burst');
    jobs.complete(job, 200, answer(pool, 0, 6));
  }
  const result = jobs.complete(jobs.next()!, 200, answer(pool, 0, 5 + k - 1));
  assert.equal(result.expected, 5 + k);
  assert.equal(jobs.stats.lostUpdates, 1);
  assert.equal(jobs.stats.bursts, 1);
});

test('a failed first visit is retried as a visit', () => {
  const pool = new VirtualUserPool(1, 3);
  const jobs = new BurstJobs(pool, 3);
  jobs.complete(jobs.next()!, 500, 'oops');
  assert.equal(jobs.next()!.kind, 'visit');
});

test('a visit answered without the token stored is retried as a visit', () => {
  const pool = new VirtualUserPool(1, 3);
  const jobs = new BurstJobs(pool, 3);
  jobs.complete(jobs.next()!, 200, answer(pool, 0, 1, { variableString: null }));
  assert.equal(jobs.next()!.kind, 'visit');
});

test('two users: a burst belongs to one user, the other gets its own jobs, a check goes first in line', () => {
  const k = 3;
  const pool = new VirtualUserPool(2, 11);
  const jobs = new BurstJobs(pool, k);
  const visits = take(jobs, 2);
  assert.deepEqual(visits.map((v) => v.kind), ['visit', 'visit']);
  assert.deepEqual(visits.map((v) => v.userIndex).sort(), [0, 1]);
  for (const v of visits) jobs.complete(v, 200, answer(pool, v.userIndex, 1));

  const first = take(jobs, k);
  const x = first[0]!.userIndex;
  const y = 1 - x;
  assert.ok(first.every((j) => j.kind === 'burst' && j.userIndex === x));
  const yFirst = jobs.next()!;
  assert.equal(yFirst.kind, 'burst');
  assert.equal(yFirst.userIndex, y, 'the other user, not a second burst of the busy one');

  first.forEach((j, i) => jobs.complete(j, 200, answer(pool, x, 2 + i)));
  const checkX = jobs.next()!;
  assert.deepEqual({ kind: checkX.kind, userIndex: checkX.userIndex }, { kind: 'check', userIndex: x }, "x's check before y's queued bursts");
  const yRest = take(jobs, k - 1);
  assert.ok(yRest.every((j) => j.kind === 'burst' && j.userIndex === y));
  assert.equal(jobs.next(), null, 'both users busy');

  assert.equal(jobs.complete(checkX, 200, answer(pool, x, 1 + k)).outcome, 'ok');
  for (const j of [yFirst, ...yRest]) jobs.complete(j, 200, answer(pool, y, 2));
  const checkY = jobs.next()!;
  assert.equal(checkY.userIndex, y);
  jobs.complete(checkY, 200, answer(pool, y, 1 + k - 2));
  assert.deepEqual(jobs.stats, stats(k, { bursts: 2, determinateBursts: 2, ackedIncrements: 2 * k, lostUpdates: 2, burstsWithLoss: 1 }));
});

test("a check answered with another user's session (leak) is not read as this user's count", () => {
  const k = 5;
  const { pool, jobs } = started(k, 1);
  for (const job of take(jobs, k)) jobs.complete(job, 200, answer(pool, 0, 2));
  // another user's session, with count 2
  const result = jobs.complete(jobs.next()!, 200, answer(pool, 0, 2, { user: 'u999', variableString: 't999-x' }));
  assert.equal(result.outcome, 'leak');
  pool.users[0]!.finalHasToken = true;
  assert.equal(userVerdict(pool.users[0]!), 'lost');
  // 5 increments answered; nothing says they were lost from *this* user's session
  assert.equal(jobs.stats.lostUpdates, 0, 'lost updates counted against a leaked session');
  assert.equal(jobs.stats.burstsWithLoss, 0);
  // the model keeps this user's own count (base + k), as checkResponse does for any leak
  assert.equal(pool.users[0]!.lastCount, 1 + k);
});

test('a learn read that fails keeps the count the model knew (no drift over repeated failures)', () => {
  const k = 2;
  const { pool, jobs } = started(k, 4);
  const user = pool.users[0]!;
  for (const job of take(jobs, k)) jobs.complete(job, 200, answer(pool, 0, 5));
  jobs.complete(jobs.next()!, 0, null); // the check fails: learn next
  const known = user.lastCount;
  for (let i = 0; i < 3; i++) {
    const learn = jobs.next()!;
    assert.equal(learn.kind, 'learn');
    jobs.complete(learn, 200, answer(pool, 0, 1, { session_started: false, written: null, user: null, variableString: null }));
    assert.equal(user.lastCount, known, `learn ${i + 1} moved the model`);
  }
  const learn = jobs.next()!;
  const ok = jobs.complete(learn, 200, answer(pool, 0, known, { written: null }));
  assert.equal(ok.outcome, 'ok');
  assert.equal(ok.expected, known);
  assert.equal(jobs.next()!.kind, 'burst');
});
