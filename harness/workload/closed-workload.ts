/**
 * The closed model on undici: `connections` loops, each sending its next request as soon as
 * its previous answer is in (wrk's model). Lean on purpose — on a 2-core machine every CPU
 * millisecond the generator spends is taken from PHP: one dispatcher call per request, no
 * stream objects, the checker on the raw body. With a ramp (k6's ramping-vus) the number of
 * loops follows the stages linearly: loops are added, or retire after their current answer.
 */
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import { Pool } from 'undici';
import type { VirtualUserPool } from './virtual-users.js';
import type { JobSource, RequestFailure } from './job-source.js';
import type { RequestRecord, WorkloadEvents } from './load-events.js';
import { errnoOf, failureOf } from './undici-dispatch.js';
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
  private sent = 0;
  /** Loops that should run now; a loop whose index is at or above it retires. */
  private wanted = 0;
  private readonly loops: Array<Promise<void>> = [];
  private readonly active = new Set<number>();
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
    const { baseUrl, connections, timeoutMs, signal, ramp } = this.options;
    const most = Math.max(connections, ...(ramp ?? []).map((s) => s.target));
    const durationMs = ramp ? ramp.reduce((sum, s) => sum + s.durationMs, 0) : this.options.durationMs;
    const client = new Pool(baseUrl, { connections: most, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const onAbort = () => this.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = durationMs !== undefined ? setTimeout(() => this.stop(), durationMs) : null;
    const steer = ramp ? setInterval(() => this.follow(client, ramp), 100) : null;
    try {
      this.startedAt = performance.now();
      this.emit('start');
      this.scale(client, connections);
      // Loops started later (a ramp going up) join the list while we wait.
      for (let i = 0; i < this.loops.length; i++) await this.loops[i];
    } finally {
      if (timer) clearTimeout(timer);
      if (steer) clearInterval(steer);
      signal?.removeEventListener('abort', onAbort);
      await client.destroy().catch(() => {});
    }
    return { requests: this.sent };
  }

  /** The ramp's connection count now: linear within each stage, from the previous target. */
  private follow(client: Pool, ramp: ReadonlyArray<{ durationMs: number; target: number }>): void {
    let t = performance.now() - this.startedAt;
    let from = this.options.connections;
    for (const stage of ramp) {
      if (t <= stage.durationMs) {
        this.scale(client, Math.max(1, Math.round(from + ((stage.target - from) * t) / stage.durationMs)));
        return;
      }
      t -= stage.durationMs;
      from = stage.target;
    }
  }

  private scale(client: Pool, target: number): void {
    if (this.stopped) return;
    this.wanted = target;
    // Indices below `wanted` run; one that retired comes back as a fresh loop.
    for (let index = 0; index < target; index++) {
      if (this.active.has(index)) continue;
      this.active.add(index);
      this.loops.push(this.loop(client, index).finally(() => this.active.delete(index)));
    }
    this.peakConnections = Math.max(this.peakConnections, this.active.size);
  }

  private async loop(client: Pool, index: number): Promise<void> {
    const { jobs, pool, requests } = this.options;
    while (!this.stopped && index < this.wanted && (requests === undefined || this.sent < requests)) {
      const job = jobs.next();
      if (!job) {
        // Every user busy (or held after a timeout): wait a little instead of spinning.
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      this.sent++;
      const user = pool.users[job.userIndex]!;
      const sentAt = performance.now();
      let status = 0;
      let body: string | null = null;
      let failure: RequestFailure | undefined;
      let node: string | undefined;
      try {
        const answer = await exchange(client, this.options.baseUrl, job, user.cookies);
        status = answer.status;
        body = answer.body;
        node = answer.node;
      } catch (error) {
        failure = failureOf(error);
      if (failure === 'connection') this.emit('connError', errnoOf(error));
      }
      const end = performance.now();
      const record: RequestRecord = {
        t: end - this.startedAt,
        userIndex: job.userIndex,
        kind: job.kind,
        status,
        latencyMs: end - sentAt,
        check: jobs.complete(job, status, body, failure, node),
        ...(failure ? { failure } : {}),
      };
      this.emit('record', record);
    }
  }
}
