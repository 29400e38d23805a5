/**
 * Redis's INFO counters as a log (format `redis-info`): sampled every second while the load
 * runs, and written as one line per counter that grew between two samples,
 * `<epoch ms> evicted_keys +37 (1200 -> 1237)`. What the server's log never says shows here:
 * keys evicted under maxmemory, connections refused at maxclients, commands refused for lack of
 * memory (OOM), during a cluster outage (CLUSTERDOWN) or while loading after a restart
 * (LOADING); a new run_id is a restart. A sample that fails (Redis down, hung) is skipped; the
 * next delta spans the gap. One connection per Redis, kept for the whole load.
 */
import type { Redis } from 'ioredis';
import { inspectionClient, type RedisAddress } from '../redis-inspect/redis-connection.js';
import type { LogSource } from './evidence-types.js';

/** The counters read, by the name the line gives them (redis-info-log.ts names their kinds). */
const counters: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'evicted_keys', pattern: /^evicted_keys:(\d+)/m },
  { name: 'rejected_connections', pattern: /^rejected_connections:(\d+)/m },
  { name: 'errorstat_OOM', pattern: /^errorstat_OOM:count=(\d+)/m },
  { name: 'errorstat_CLUSTERDOWN', pattern: /^errorstat_CLUSTERDOWN:count=(\d+)/m },
  { name: 'errorstat_LOADING', pattern: /^errorstat_LOADING:count=(\d+)/m },
  { name: 'errorstat_MASTERDOWN', pattern: /^errorstat_MASTERDOWN:count=(\d+)/m },
];

interface Sample {
  atMs: number;
  runId: string;
  values: number[];
}

export const REDIS_INFO_INTERVAL_MS = 1000;

/** The lines one pair of samples gives (pure). */
export function infoDeltaLines(before: Sample, after: Sample): string[] {
  if (after.runId !== before.runId) return [`${after.atMs} run_id changed (${before.runId.slice(0, 8)} -> ${after.runId.slice(0, 8)}): Redis restarted`];
  const lines: string[] = [];
  counters.forEach((c, i) => {
    const growth = after.values[i]! - before.values[i]!;
    if (growth > 0) lines.push(`${after.atMs} ${c.name} +${growth} (${before.values[i]} -> ${after.values[i]})`);
  });
  return lines;
}

export function parseInfoSample(info: string, atMs: number): Sample | null {
  const runId = /^run_id:(\w+)/m.exec(info)?.[1];
  if (!runId) return null;
  return { atMs, runId, values: counters.map((c) => Number(c.pattern.exec(info)?.[1] ?? 0)) };
}

export class RedisInfoSampler implements LogSource {
  readonly format = 'redis-info' as const;
  readonly origin: string;
  private client: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight = false;
  private last: Sample | null = null;
  private samples = 0;
  private failures = 0;
  private lastError = '';
  private readonly lines: string[] = [];

  constructor(
    readonly component: string,
    private readonly address: RedisAddress,
  ) {
    this.origin = `INFO every ${REDIS_INFO_INTERVAL_MS / 1000} s on ${address.host}:${address.port} (counter growth)`;
  }

  start(): void {
    // Reconnects after a restart or an outage; a paused Redis fails a sample by its timeout.
    const client = inspectionClient(this.address, { retryStrategy: () => 500, commandTimeout: REDIS_INFO_INTERVAL_MS - 100 });
    client.on('error', () => {});
    this.client = client;
    client.connect().catch(() => {});
    void this.sample();
    this.timer = setInterval(() => void this.sample(), REDIS_INFO_INTERVAL_MS);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    if (this.inFlight || !this.client) return;
    this.inFlight = true;
    try {
      const info = (await this.client.call('INFO', 'server', 'stats', 'errorstats')) as string;
      const sample = parseInfoSample(info, Date.now());
      if (!sample) throw new Error('INFO without run_id');
      if (this.last) this.lines.push(...infoDeltaLines(this.last, sample));
      this.last = sample;
      this.samples++;
    } catch (error) {
      this.failures++;
      this.lastError = (error as Error).message;
    } finally {
      this.inFlight = false;
    }
  }

  /** The last sample, then the connection is closed. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    if (!this.inFlight) await this.sample();
    this.client?.disconnect();
    this.client = null;
  }

  async read(): Promise<string> {
    // Not one sample read: the section lists it as unreadable, never as quiet.
    if (this.samples === 0) throw new Error(`no INFO sample succeeded (${this.failures} failed${this.lastError ? `: ${this.lastError}` : ''})`);
    return this.lines.join('\n');
  }
}
