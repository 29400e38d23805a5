/**
 * Drives virtual users over autocannon connections. autocannon sends the bytes; who the
 * request belongs to, its cookies and what the answer means are ours (VirtualUserPool,
 * checkResponse). Latency is measured here from the moment the request is handed to the
 * socket, per request, so each one can be placed in the history.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import type { CheckedAnswer } from '../checks/session-checker.js';
import { VirtualUserPool } from './virtual-users.js';
import type { Job, JobSource } from './job-source.js';
import { cookieHeader, headerValue, storeSetCookies } from './cookie-jar.js';

export interface RequestRecord {
  /** ms since the workload started, at the answer (or failure). */
  t: number;
  userIndex: number;
  kind: Job['kind'];
  status: number;
  latencyMs: number;
  check: CheckedAnswer;
  /** For errors without an answer: 'timeout' | 'connection'. */
  failure?: 'timeout' | 'connection';
}

export interface WorkloadOptions {
  baseUrl: string;
  pool: VirtualUserPool;
  jobs: JobSource;
  connections: number;
  durationMs?: number;
  requests?: number;
  /** Open model: total req/s. */
  rate?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface WorkloadEvents {
  start: [];
  record: [RequestRecord];
  /** A connection error and its errno (EADDRNOTAVAIL, EMFILE, ECONNREFUSED, ...), for the environment guards. */
  connError: [code: string | undefined];
}

interface LoopContext {
  job?: Job;
  sentAt?: number;
  done?: boolean;
  connError?: boolean;
}

interface AutocannonClient extends EventEmitter {
  reqsMade: number;
  requestIterator: { context: LoopContext };
}

export class AutocannonWorkload extends EventEmitter<WorkloadEvents> {
  startedAt = 0;
  private instance: autocannon.Instance | null = null;

  constructor(private readonly options: WorkloadOptions) {
    super();
  }

  private finish(context: LoopContext, status: number, body: string | null, failure?: 'timeout' | 'connection'): void {
    const job = context.job;
    if (job === undefined || context.done) return;
    context.done = true;
    const now = performance.now();
    const check = this.options.jobs.complete(job, status, body, failure);
    this.emit('record', {
      t: now - this.startedAt,
      userIndex: job.userIndex,
      kind: job.kind,
      status,
      latencyMs: now - (context.sentAt ?? now),
      check,
      failure,
    });
  }

  /** Runs until the duration or request count is reached, or the signal aborts. */
  run(): Promise<autocannon.Result> {
    const { pool, jobs, baseUrl } = this.options;
    const timeoutS = Math.max(1, Math.ceil(this.options.timeoutMs / 1000));
    return new Promise((resolve, reject) => {
      const setupRequest = (req: autocannon.Request, context: LoopContext): autocannon.Request => {
        const job = jobs.next();
        // Cannot happen with enough users (validated); fall back to a health probe.
        if (!job) {
          context.job = undefined;
          return { ...req, path: '/health', headers: {} };
        }
        context.job = job;
        context.done = false;
        context.sentAt = performance.now();
        return { ...req, method: 'GET', path: job.path, headers: { cookie: cookieHeader(pool.users[job.userIndex]!.cookies) } };
      };
      const onResponse = (status: number, body: string, context: LoopContext, headers: Record<string, string | string[]>) => {
        const job = context.job;
        if (job === undefined || context.done) return;
        storeSetCookies(pool.users[job.userIndex]!.cookies, headerValue(headers, 'set-cookie'));
        this.finish(context, status, body);
      };
      const setupClient = (client: AutocannonClient) => {
        client.on('connError', (error?: NodeJS.ErrnoException) => {
          client.requestIterator.context.connError = true;
          this.emit('connError', error?.code);
        });
        // 'request' fires before the next request is built: if the previous one of this
        // connection never got its answer (timeout, reset, closed), it failed.
        client.on('request', () => {
          const context = client.requestIterator.context;
          if (client.reqsMade === 0) {
            context.sentAt = performance.now();
            return;
          }
          if (context.job !== undefined && !context.done) {
            this.finish(context, 0, null, context.connError ? 'connection' : 'timeout');
          }
        });
      };
      const opts: autocannon.Options = {
        url: baseUrl,
        connections: this.options.connections,
        pipelining: 1,
        timeout: timeoutS,
        ...(this.options.durationMs !== undefined ? { duration: this.options.durationMs / 1000 } : {}),
        ...(this.options.requests !== undefined ? { amount: this.options.requests } : {}),
        ...(this.options.rate !== undefined ? { overallRate: this.options.rate } : {}),
        requests: [{ setupRequest, onResponse } as unknown as autocannon.Request],
        setupClient: setupClient as unknown as autocannon.Options['setupClient'],
      };
      this.startedAt = performance.now();
      const instance = autocannon(opts, (error, result) => {
        this.options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(result);
      });
      this.instance = instance;
      const onAbort = () => instance.stop();
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      this.emit('start');
    });
  }

  stop(): void {
    this.instance?.stop();
  }
}

