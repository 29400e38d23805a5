/**
 * 'bursts' mode (an AJAX page): a user fires k increments at once, then reads its count
 * (?read=1, no write). Every increment was answered, so the count must have grown by k;
 * what is missing is a lost update.
 */
import { checkResponse, parseAppAnswer, type CheckedAnswer } from '../checks/session-checker.js';
import type { Job, JobSource } from './job-source.js';
import type { VirtualUserPool } from './virtual-users.js';

interface BurstState {
  /** Count before the burst (null until the first visit was answered). */
  base: number | null;
  outstanding: number;
  /** Increments of this burst answered with a readable 2xx. */
  answered: number;
}

export interface BurstStats {
  bursts: number;
  burstSize: number;
  /** Increments answered 2xx but missing from the count afterwards. */
  lostUpdates: number;
  /** Bursts with at least one lost update. */
  burstsWithLoss: number;
  /** Increments that got no readable 2xx answer (not counted as lost). */
  failedIncrements: number;
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
  ) {
    this.state = pool.users.map(() => ({ base: null, outstanding: 0, answered: 0 }));
    this.stats = { bursts: 0, burstSize, lostUpdates: 0, burstsWithLoss: 0, failedIncrements: 0 };
  }

  next(): Job | null {
    const queued = this.ready.shift();
    if (queued) return queued;
    const index = this.pool.acquire();
    if (index < 0) return null;
    const user = this.pool.users[index]!;
    const state = this.state[index]!;
    if (state.base === null || !user.tokenStored) {
      return { userIndex: index, kind: 'visit', path: `/?user=${user.id}&set=${user.token}${this.query}` };
    }
    state.outstanding = this.burstSize;
    state.answered = 0;
    const path = `/?user=${user.id}${this.query}`;
    for (let i = 1; i < this.burstSize; i++) this.ready.push({ userIndex: index, kind: 'burst', path });
    return { userIndex: index, kind: 'burst', path };
  }

  complete(job: Job, status: number, body: string | null): CheckedAnswer {
    const user = this.pool.users[job.userIndex]!;
    const state = this.state[job.userIndex]!;
    if (job.kind === 'visit') {
      const check = checkResponse(user, status, body);
      if (check.got !== null) state.base = check.got;
      this.pool.release(job.userIndex);
      return check;
    }
    if (job.kind === 'burst') {
      const answer = status >= 200 && status < 300 && body !== null ? parseAppAnswer(body) : null;
      if (answer) state.answered++;
      else this.stats.failedIncrements++;
      state.outstanding--;
      // The check goes first in line so it reads the count right after the burst.
      if (state.outstanding === 0) this.ready.unshift({ userIndex: job.userIndex, kind: 'check', path: `/?user=${user.id}&read=1` });
      return { outcome: answer ? 'ok' : 'error', node: answer?.node ?? null, expected: -1, got: answer?.visitCount ?? null };
    }
    // check: expected = base + answered increments; judged like a visit whose expected count is that.
    const expected = (state.base ?? 0) + state.answered;
    user.lastCount = expected - 1;
    const check = checkResponse(user, status, body);
    if (check.outcome === 'leak') {
      // Another user's session: nothing to say about this user's updates; learn its count again.
      user.lastCount = expected;
      state.base = null;
    } else if (check.got !== null) {
      // The check read did not increment: the model's count is what was read.
      user.lastCount = check.got;
      this.stats.bursts++;
      const lost = Math.max(0, expected - check.got);
      this.stats.lostUpdates += lost;
      if (lost > 0) this.stats.burstsWithLoss++;
      state.base = check.got;
    } else {
      // Count unknown: learn it again with a visit before the next burst.
      state.base = null;
    }
    this.pool.release(job.userIndex);
    return { ...check, expected };
  }
}
