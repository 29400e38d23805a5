/** What a load generator reports, whichever model it runs: one record per request, and connection errnos. */
import type { CheckedAnswer } from '../checks/session-checker.js';
import type { Job, RequestFailure } from './job-source.js';

export interface RequestRecord {
  /** ms since the workload started, at the answer (or failure). */
  t: number;
  userIndex: number;
  kind: Job['kind'];
  status: number;
  /** Closed model: from the send. Open model: from the intended start (coordinated-omission free). */
  latencyMs: number;
  /** Open model: from the moment the request went onto a socket (service time). */
  serviceMs?: number;
  check: CheckedAnswer;
  /** For errors without an answer. */
  failure?: RequestFailure;
}

export interface WorkloadEvents {
  start: [];
  record: [RequestRecord];
  /** A connection error and its errno (EADDRNOTAVAIL, EMFILE, ECONNREFUSED, ...), for the environment guards. */
  connError: [code: string | undefined];
}
