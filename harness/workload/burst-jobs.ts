/**
 * 'bursts' mode (an AJAX page): a user fires k increments at once, then reads its count
 * (?read=1, no write). Every increment answered with a 200 was acknowledged, so the count
 * must have grown by at least that many; what is missing is a lost update.
 *
 * Judged per burst as Jepsen judges a counter: an increment without an answer (timeout,
 * error) is indeterminate — it may or may not have landed. A burst with indeterminate
 * increments gives a range for its lost updates, reported apart and never netted against a
 * burst whose count is exact. Every answer is checked for another user's session (leak) and
 * for a write the app says failed (unsaved).
 */
import { checkResponse, isLeak, isUnsaved, parseAppAnswer, type CheckedAnswer } from '../checks/session-checker.js';
import type { Job, JobSource, RequestFailure } from './job-source.js';
import type { VirtualUserPool } from './virtual-users.js';

interface BurstState {
  /** Count before the burst (null until known: a visit or a read must learn it). */
  base: number | null;
  outstanding: number;
  /** Increments of this burst answered with a readable 2xx (acknowledged to the user). */
  acked: number;
  /** Increments of this burst without an answer: they may or may not have landed. */
  indeterminate: number;
  /** Acknowledged increments whose answer said the write failed (written: false). */
  unsaved: number;
  /** An increment timed out: the check waits until the stack can no longer be working on it. */
  timedOut: boolean;
}

export interface BurstStats {
  bursts: number;
  burstSize: number;
  /** Bursts whose every increment was answered: their lost updates are exact. */
  determinateBursts: number;
  /** Acknowledged increments in determinate bursts (the denominator of lostUpdateRate). */
  ackedIncrements: number;
  /** Acknowledged (2xx) increments missing from the count afterwards, in determinate bursts. */
  lostUpdates: number;
  /** Of those, how many the app had flagged (written: false): the rest were lost without a trace. */
  lostFlaggedUnsaved: number;
  /** Bursts with at least one lost update (determinate bursts). */
  burstsWithLoss: number;
  /** Increments that got no readable 2xx answer (timeouts, errors): their effect is unknown. */
  indeterminateIncrements: number;
  /** Of those, timeouts. */
  timedOutIncrements: number;
  /** Bursts with indeterminate increments, and the range of lost updates they may hide. */
  indeterminateBursts: number;
  indeterminateLostMin: number;
  indeterminateLostMax: number;
  /** Increments answered 200 whose write failed (the app's written: false). */
  unsavedIncrements: number;
  /** A count higher than every increment sent could make (a write counted twice). */
  excessIncrements: number;
}

export class BurstJobs implements JobSource {
  private readonly ready: Job[] = [];
  private readonly state: BurstState[];
  readonly stats: BurstStats;

  constructor(
    private readonly pool: VirtualUserPool,
    private readonly burstSize: number,
    /** Extra query string for visits and increments, e.g. "&work=5". */
    private readonly query = '',
    /** ms a user is held after a timed-out request (the stack's request deadline). */
    private readonly timeoutHoldMs = 0,
  ) {
    this.state = pool.users.map(() => ({ base: null, outstanding: 0, acked: 0, indeterminate: 0, unsaved: 0, timedOut: false }));
    this.stats = {
      bursts: 0,
      burstSize,
      determinateBursts: 0,
      ackedIncrements: 0,
      lostUpdates: 0,
      lostFlaggedUnsaved: 0,
      burstsWithLoss: 0,
      indeterminateIncrements: 0,
      timedOutIncrements: 0,
      indeterminateBursts: 0,
      indeterminateLostMin: 0,
      indeterminateLostMax: 0,
      unsavedIncrements: 0,
      excessIncrements: 0,
    };
  }

  next(): Job | null {
    const queued = this.ready.shift();
    if (queued) return queued;
    const index = this.pool.acquire();
    if (index < 0) return null;
    const user = this.pool.users[index]!;
    const state = this.state[index]!;
    if (!user.tokenStored) {
      return { userIndex: index, kind: 'visit', path: `/?user=${user.id}&set=${user.token}${this.query}` };
    }
    // The count is unknown (a failed check): read it without writing — re-sending the token
    // would repair a session that was lost, and a lost session must stay lost.
    if (state.base === null) return { userIndex: index, kind: 'learn', path: `/?user=${user.id}&read=1` };
    Object.assign(state, { outstanding: this.burstSize, acked: 0, indeterminate: 0, unsaved: 0, timedOut: false });
    const path = `/?user=${user.id}${this.query}`;
    for (let i = 1; i < this.burstSize; i++) this.ready.push({ userIndex: index, kind: 'burst', path });
    return { userIndex: index, kind: 'burst', path };
  }

  complete(job: Job, status: number, body: string | null, failure?: RequestFailure): CheckedAnswer {
    const user = this.pool.users[job.userIndex]!;
    const state = this.state[job.userIndex]!;
    const hold = failure === 'timeout' ? this.timeoutHoldMs : 0;
    if (job.kind === 'visit') {
      const check = checkResponse(user, status, body);
      // What the store now holds: the visit's written count.
      state.base = check.got !== null && check.outcome !== 'leak' && check.outcome !== 'unsaved' ? check.got : null;
      this.pool.release(job.userIndex, hold);
      return check;
    }
    if (job.kind === 'learn') return this.completeLearn(job, status, body, hold);
    if (job.kind === 'burst') return this.completeIncrement(job, status, body, failure);
    return this.completeCheck(job, status, body, hold);
  }

  private completeIncrement(job: Job, status: number, body: string | null, failure?: RequestFailure): CheckedAnswer {
    const user = this.pool.users[job.userIndex]!;
    const state = this.state[job.userIndex]!;
    const answer = status >= 200 && status < 300 && body !== null ? parseAppAnswer(body) : null;
    let outcome: CheckedAnswer['outcome'] = 'ok';
    if (!answer) {
      outcome = 'error';
      state.indeterminate++;
      this.stats.indeterminateIncrements++;
      if (failure === 'timeout') {
        state.timedOut = true;
        this.stats.timedOutIncrements++;
      }
      user.nonOk++;
    } else {
      state.acked++;
      user.answers++;
      if (isLeak(user, answer)) {
        outcome = 'leak';
        user.leaked = true;
      } else if (isUnsaved(answer)) {
        outcome = 'unsaved';
        state.unsaved++;
        this.stats.unsavedIncrements++;
      }
      if (outcome !== 'ok') user.nonOk++;
    }
    state.outstanding--;
    if (state.outstanding === 0) {
      // The check goes first in line so it reads the count right after the burst — unless an
      // increment timed out: then the stack may still be working on it.
      const check: Job = { userIndex: job.userIndex, kind: 'check', path: `/?user=${user.id}&read=1` };
      if (state.timedOut && this.timeoutHoldMs > 0) setTimeout(() => this.ready.unshift(check), this.timeoutHoldMs).unref();
      else this.ready.unshift(check);
    }
    const checked: CheckedAnswer = { outcome, node: answer?.node ?? null, expected: -1, got: answer?.visitCount ?? null };
    if (answer && answer.warnings.length > 0) checked.warnings = answer.warnings;
    return checked;
  }

  /** A read (no write) that learns the count: judged like a visit that expects the count it last knew. */
  private completeLearn(job: Job, status: number, body: string | null, hold: number): CheckedAnswer {
    const user = this.pool.users[job.userIndex]!;
    const known = user.lastCount;
    user.lastCount = Math.max(0, known - 1);
    const check = checkResponse(user, status, body);
    const learned = check.got !== null && check.outcome !== 'leak' && check.outcome !== 'unsaved';
    // A stale read does not move checkResponse's model; the count read is what the store holds.
    user.lastCount = learned ? check.got! : known;
    this.state[job.userIndex]!.base = learned ? check.got : null;
    this.pool.release(job.userIndex, hold);
    return { ...check, expected: known };
  }

  /** The read after a burst: expected = base + acknowledged increments (+ up to the indeterminate ones). */
  private completeCheck(job: Job, status: number, body: string | null, hold: number): CheckedAnswer {
    const user = this.pool.users[job.userIndex]!;
    const state = this.state[job.userIndex]!;
    const base = state.base ?? 0;
    const low = base + state.acked;
    const high = low + state.indeterminate;
    const answer = status >= 200 && status < 300 && body !== null ? parseAppAnswer(body) : null;
    // Judged like a visit whose expected count is the one the read shows when it is possible.
    const expected = answer && answer.visitCount >= low && answer.visitCount <= high ? answer.visitCount : low;
    user.lastCount = expected - 1;
    const check = checkResponse(user, status, body);
    if (check.outcome === 'leak' || check.outcome === 'unsaved' || check.got === null) {
      // Nothing to say about this user's updates: learn its count again with a read.
      user.lastCount = expected;
      state.base = null;
    } else {
      const got = check.got;
      user.lastCount = got;
      state.base = got;
      this.stats.bursts++;
      if (got > high) this.stats.excessIncrements += got - high;
      if (state.indeterminate === 0) {
        const lost = Math.max(0, low - got);
        this.stats.determinateBursts++;
        this.stats.ackedIncrements += state.acked;
        this.stats.lostUpdates += lost;
        this.stats.lostFlaggedUnsaved += Math.min(lost, state.unsaved);
        if (lost > 0) this.stats.burstsWithLoss++;
      } else {
        this.stats.indeterminateBursts++;
        this.stats.indeterminateLostMin += Math.min(state.acked, Math.max(0, low - got));
        this.stats.indeterminateLostMax += Math.min(state.acked, Math.max(0, high - got));
      }
    }
    this.pool.release(job.userIndex, hold);
    return { ...check, expected };
  }
}
