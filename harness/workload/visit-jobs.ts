/** 'visits' mode: every request is one visit of one user; at most one in flight per user. */
import { checkResponse } from '../checks/session-checker.js';
import type { Job, JobSource, RequestFailure } from './job-source.js';
import type { VirtualUserPool } from './virtual-users.js';

export class VisitJobs implements JobSource {
  /** @param query extra query string for every visit, e.g. "&work=5" */
  constructor(
    private readonly pool: VirtualUserPool,
    private readonly query = '',
    /** ms a user is held after a timed-out request (the stack's request deadline). */
    private readonly timeoutHoldMs = 0,
  ) {}

  /** Each user's visit path once its token is stored (the same string every time: built once). */
  private readonly visitPaths: Array<string | undefined> = [];

  next(): Job | null {
    const index = this.pool.acquire();
    if (index < 0) return null;
    const user = this.pool.users[index]!;
    const path = user.tokenStored ? (this.visitPaths[index] ??= `/?user=${user.id}${this.query}`) : `/?user=${user.id}&set=${user.token}${this.query}`;
    return { userIndex: index, path, kind: 'visit' };
  }

  complete(job: Job, status: number, body: string | null, failure?: RequestFailure) {
    const check = checkResponse(this.pool.users[job.userIndex]!, status, body);
    this.pool.release(job.userIndex, failure === 'timeout' ? this.timeoutHoldMs : 0);
    return check;
  }
}
