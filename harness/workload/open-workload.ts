/**
 * The open model (k6's arrival-rate executors, wrk2's latency): requests start on a clock —
 * start i is intended at t0 + schedule(i) — whether or not the stack keeps up. Latency is
 * measured from the intended start (coordinated-omission free: a stall shows in full, as
 * wrk2 reports it) and from the actual send (service time). Requests in flight are capped
 * (maxInFlight, like k6's maxVUs); a start that cannot be made then, or finds every user
 * busy, is dropped and counted (k6's dropped_iterations), never sent late.
 *
 * Sent on undici (Node's own HTTP client): a keep-alive Pool of `connections` sockets.
 * Cookie jars, the checker (jobs.complete) and the records are the closed model's.
 */
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import * as hdr from 'hdr-histogram-js';
import type { VirtualUserPool } from './virtual-users.js';
import type { Job, JobSource, RequestFailure } from './job-source.js';
import type { ArrivalSchedule } from './arrival-schedule.js';
import type { RequestRecord, WorkloadEvents } from './load-events.js';
import { errnoOf, failureOf } from './undici-dispatch.js';
import { exchange } from './job-exchange.js';

export interface OpenWorkloadOptions {
  baseUrl: string;
  pool: VirtualUserPool;
  jobs: JobSource;
  schedule: ArrivalSchedule;
  /** Keep-alive sockets to the balancer. */
  connections: number;
  /** Requests in flight at most; a start due beyond it is dropped. */
  maxInFlight: number;
  /** Stop starting after this many requests (the schedule's end otherwise). */
  requests?: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface OpenWorkloadStats {
  /** Starts the schedule intended up to the end of the load. */
  intended: number;
  sent: number;
  /** Starts that could not be made on time (maxInFlight reached, or every user busy). */
  dropped: number;
  /** Of those, because every user had a request in flight (or was held after a timeout). */
  droppedNoUser: number;
  /** The most requests in flight at once. */
  peakInFlight: number;
}

/** How late the generator itself sent (actual send - intended start): its own error, inside the CO-free latency. */
export interface StartLag {
  p50: number;
  p99: number;
  max: number;
}

export class OpenWorkload extends EventEmitter<WorkloadEvents> {
  startedAt = 0;
  readonly stats: OpenWorkloadStats = { intended: 0, sent: 0, dropped: 0, droppedNoUser: 0, peakInFlight: 0 };
  private inFlight = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private readonly lag = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });

  constructor(private readonly options: OpenWorkloadOptions) {
    super();
  }

  /** Runs until the schedule (or the request count) ends or the signal aborts, then waits for what is in flight. */
  async run(): Promise<OpenWorkloadStats> {
    const { baseUrl, connections, timeoutMs, signal } = this.options;
    const client = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    const inFlight = new Set<Promise<void>>();
    try {
      this.startedAt = performance.now();
      this.emit('start');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.tick(client, inFlight);
      });
      // No new starts; the ones in flight end within their timeout.
      await Promise.allSettled([...inFlight]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.timer) clearTimeout(this.timer);
      await client.destroy().catch(() => {});
    }
    return this.stats;
  }

  /** The generator's own lateness (ms), from the sends so far. */
  startLag(): StartLag {
    const at = (p: number) => Math.round(this.lag.getValueAtPercentile(p)) / 1000;
    return this.lag.totalCount ? { p50: at(50), p99: at(99), max: Math.round(this.lag.maxValue) / 1000 } : { p50: 0, p99: 0, max: 0 };
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
  }

  /** Makes every start now due, then sleeps until the next one. */
  private tick(client: Pool, inFlight: Set<Promise<void>>): void {
    this.timer = null;
    if (this.stopped) return;
    const { schedule, requests } = this.options;
    const now = performance.now() - this.startedAt;
    for (;;) {
      const i = this.stats.intended;
      const due = requests !== undefined && i >= requests ? null : schedule.intendedStart(i);
      if (due === null) {
        this.stop();
        return;
      }
      if (due > now) {
        this.timer = setTimeout(() => this.tick(client, inFlight), Math.max(0, due - now));
        return;
      }
      this.stats.intended++;
      this.start(client, inFlight, due);
    }
  }

  private start(client: Pool, inFlight: Set<Promise<void>>, intendedMs: number): void {
    if (this.inFlight >= this.options.maxInFlight) {
      this.stats.dropped++;
      return;
    }
    const job = this.options.jobs.next();
    if (!job) {
      this.stats.dropped++;
      this.stats.droppedNoUser++;
      return;
    }
    this.inFlight++;
    this.stats.sent++;
    if (this.inFlight > this.stats.peakInFlight) this.stats.peakInFlight = this.inFlight;
    const work = this.send(client, job, intendedMs).finally(() => {
      this.inFlight--;
      inFlight.delete(work);
    });
    inFlight.add(work);
  }

  private async send(client: Pool, job: Job, intendedMs: number): Promise<void> {
    const user = this.options.pool.users[job.userIndex]!;
    const calledAt = performance.now();
    this.lag.recordValue(Math.max(1, Math.round((calledAt - this.startedAt - intendedMs) * 1000)));
    let status = 0;
    let body: string | null = null;
    let failure: RequestFailure | undefined;
    let sentAt = calledAt;
    let node: string | undefined;
    try {
      const answer = await exchange(client, this.options.baseUrl, job, user.cookies);
      sentAt = answer.sentAt ?? calledAt;
      status = answer.status;
      body = answer.body;
      node = answer.node;
    } catch (error) {
      status = 0;
      body = null;
      failure = failureOf(error);
      if (failure === 'connection') this.emit('connError', errnoOf(error));
    }
    const end = performance.now();
    const check = this.options.jobs.complete(job, status, body, failure, node);
    const record: RequestRecord = {
      t: end - this.startedAt,
      userIndex: job.userIndex,
      kind: job.kind,
      status,
      // From the intended start: what a user arriving on the schedule waited.
      latencyMs: end - (this.startedAt + intendedMs),
      // From the moment the request went onto a socket (after any wait for a free connection).
      serviceMs: end - sentAt,
      check,
      ...(failure ? { failure } : {}),
    };
    this.emit('record', record);
  }
}
