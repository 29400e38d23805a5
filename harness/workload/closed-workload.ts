/**
 * The closed model on undici: `connections` loops, each sending its next request as soon as
 * its previous answer is in (wrk's model). Lean on purpose — on a 2-core machine every CPU
 * millisecond the generator spends is taken from PHP: one dispatcher call per request, no
 * stream objects, no promise per plain visit, the checker on the raw body. Each loop owns one
 * keep-alive connection (an undici Client, as each of wrk's connections sends its next
 * request when its answer is in): no pool choosing a connection and passing drain events for
 * every request. With a ramp (k6's ramping-vus) the number of loops follows the stages
 * linearly: loops are added, or retire after their current answer.
 */
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import { Client } from 'undici';
import type { VirtualUserPool } from './virtual-users.js';
import type { Job, JobSource, RequestFailure } from './job-source.js';
import type { RequestRecord, WorkloadEvents } from './load-events.js';
import { errnoOf, failureOf, sendVisit, type Answer } from './undici-dispatch.js';
import { exchange } from './job-exchange.js';

export interface ClosedWorkloadOptions {
  baseUrl: string;
  pool: VirtualUserPool;
  jobs: JobSource;
  /** Loops at the start (and the only count without a ramp). */
  connections: number;
  /** Stages of connection counts, each reached linearly from the previous (the run lasts their sum). */
  ramp?: ReadonlyArray<{ durationMs: number; target: number }>;
  durationMs?: number;
  /** Stop after this many requests. */
  requests?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export class ClosedWorkload extends EventEmitter<WorkloadEvents> {
  startedAt = 0;
  private stopped = false;
  /** The first exception that ended a loop (a record listener's): the run stops and rethrows it. */
  private failure: { error: unknown } | null = null;
  private sent = 0;
  /** Loops that should run now; a loop whose index is at or above it retires. */
  private wanted = 0;
  private readonly loops: Array<Promise<void>> = [];
  private readonly active = new Set<number>();
  /** Loop index -> its connection (kept when the loop retires: a loop that comes back reuses it). */
  private readonly clients: Client[] = [];
  /** The most loops running at once. */
  peakConnections = 0;

  constructor(private readonly options: ClosedWorkloadOptions) {
    super();
  }

  stop(): void {
    this.stopped = true;
  }

  /** Runs until the duration or request count is reached, or the signal aborts; every loop ends after its answer. */
  async run(): Promise<{ requests: number }> {
    const { signal, ramp } = this.options;
    const durationMs = ramp ? ramp.reduce((sum, s) => sum + s.durationMs, 0) : this.options.durationMs;
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = durationMs !== undefined ? setTimeout(() => this.stop(), durationMs) : null;
    const steer = ramp ? setInterval(() => this.follow(ramp), 100) : null;
    try {
      this.startedAt = performance.now();
      this.emit('start');
      this.scale(this.options.connections);
      // Loops started later (a ramp going up) join the list while we wait.
      for (let i = 0; i < this.loops.length; i++) await this.loops[i];
      if (this.failure) throw this.failure.error;
    } finally {
      if (timer) clearTimeout(timer);
      if (steer) clearInterval(steer);
      signal?.removeEventListener('abort', onAbort);
      await Promise.all(this.clients.map((client) => client.destroy().catch(() => {})));
    }
    return { requests: this.sent };
  }

  /** The ramp's connection count now: linear within each stage, from the previous target. */
  private follow(ramp: ReadonlyArray<{ durationMs: number; target: number }>): void {
    let t = performance.now() - this.startedAt;
    let from = this.options.connections;
    for (const stage of ramp) {
      if (t <= stage.durationMs) {
        this.scale(Math.max(1, Math.round(from + ((stage.target - from) * t) / stage.durationMs)));
        return;
      }
      t -= stage.durationMs;
      from = stage.target;
    }
  }

  private scale(target: number): void {
    if (this.stopped) return;
    this.wanted = target;
    // Indices below `wanted` run; one that retired comes back as a fresh loop.
    for (let index = 0; index < target; index++) {
      if (this.active.has(index)) continue;
      this.active.add(index);
      this.loops.push(
        this.loop(index)
          .catch((error: unknown) => {
            this.failure ??= { error };
            this.stop();
          })
          .finally(() => this.active.delete(index)),
      );
    }
    this.peakConnections = Math.max(this.peakConnections, this.active.size);
  }

  /**
   * One connection's loop: a request, its answer checked and recorded, the next request. Run
   * on callbacks (a plain visit costs no promise); a journey step goes through `exchange`. It
   * ends when the run stops, the loop retires (ramp) or the request count is reached; an
   * exception from a record listener ends it with that exception.
   */
  private loop(index: number): Promise<void> {
    const { baseUrl, jobs, pool, requests, timeoutMs } = this.options;
    const client = (this.clients[index] ??= new Client(baseUrl, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }));
    return new Promise<void>((resolve, reject) => {
      let job: Job | null = null;
      let sentAt = 0;
      let ended = false;
      const fail = (error: unknown) => {
        ended = true;
        reject(error);
      };
      const finish = (status: number, body: string | null, failure: RequestFailure | undefined, node: string | undefined) => {
        if (ended) return;
        try {
          const end = performance.now();
          const record: RequestRecord = {
            t: end - this.startedAt,
            userIndex: job!.userIndex,
            kind: job!.kind,
            status,
            latencyMs: end - sentAt,
            check: jobs.complete(job!, status, body, failure, node),
          };
          if (failure) record.failure = failure;
          job = null;
          this.emit('record', record);
        } catch (error) {
          fail(error);
          return;
        }
        // The next request once undici is done with this answer (as an await would resume):
        // undici calls back in the middle of its own bookkeeping, an error for every queued
        // request at once, and the next request must not join that queue before it is done.
        queueMicrotask(next);
      };
      const onAnswer = (answer: Answer) => finish(answer.status, answer.body, undefined, answer.node);
      const onError = (error: unknown) => {
        const failure = failureOf(error);
        try {
          if (failure === 'connection') this.emit('connError', errnoOf(error));
        } catch (listenerError) {
          fail(listenerError);
          return;
        }
        finish(0, null, failure, undefined);
      };
      const next = () => {
        if (ended) return;
        try {
          if (this.stopped || index >= this.wanted || (requests !== undefined && this.sent >= requests)) {
            ended = true;
            resolve();
            return;
          }
          job = jobs.next();
          if (!job) {
            // Every user busy (or held after a timeout): wait a little instead of spinning.
            setTimeout(next, 5);
            return;
          }
          this.sent++;
          const jar = pool.users[job.userIndex]!.cookies;
          sentAt = performance.now();
          if (job.request) exchange(client, baseUrl, job, jar).then(onAnswer, onError);
          else sendVisit(client, job.path, jar, onAnswer, onError);
        } catch (error) {
          fail(error);
        }
      };
      next();
    });
  }
}
