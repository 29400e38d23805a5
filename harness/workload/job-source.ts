/** What a connection sends next, and what an answer means: one implementation per workload mode. */
import type { CheckedAnswer } from '../checks/session-checker.js';

export type RequestFailure = 'timeout' | 'connection';

export interface Job {
  userIndex: number;
  path: string;
  /**
   * 'visit' = one increment; 'burst' = one of k simultaneous increments; 'check' = read-only
   * count after a burst; 'learn' = read-only count before the next burst (after a failed check).
   */
  kind: 'visit' | 'burst' | 'check' | 'learn' | 'step';
  /** A journey step's request (method, headers, body, redirects); absent: a GET of `path`. */
  request?: { method: string; headers?: Record<string, string>; body?: string; followRedirects: boolean };
}

export interface JobSource {
  /** The next job, or null when every user is busy (cannot happen with enough users). */
  next(): Job | null;
  /** An answer (status 0 = none: timeout or connection error, named by `failure`) for a job. */
  complete(job: Job, status: number, body: string | null, failure?: RequestFailure, node?: string): CheckedAnswer;
}
