/**
 * Lost updates under concurrency (bursts mode): counts from BurstJobs, latency of burst
 * requests vs uncontended reads, and the lock warnings PHP wrote to its logs.
 */
import * as hdr from 'hdr-histogram-js';
import type { BurstJobs } from '../workload/burst-jobs.js';
import type { RequestRecord } from '../workload/load-events.js';
import type { ConcurrencySection } from './concurrency-section.js';
import type { Probe } from './probe.js';

export type { ConcurrencySection } from './concurrency-section.js';

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

export class ConcurrencyProbe implements Probe<'concurrency'> {
  readonly section = 'concurrency' as const;
  private readonly burst = histogram();
  private readonly check = histogram();
  private lockErrors = 0;
  private writeErrors = 0;

  constructor(
    private readonly jobs: BurstJobs,
    /** The nodes' PHP error log (the lock and write warnings), when the provider can read it. */
    private readonly phpErrorLog: (() => Promise<string>) | null,
  ) {}

  async start(): Promise<void> {}

  onLoadStart(): void {}

  onRecord(record: Pick<RequestRecord, 'kind' | 'latencyMs'>): void {
    const micros = Math.max(1, Math.round(record.latencyMs * 1000));
    if (record.kind === 'burst') this.burst.recordValue(micros);
    else if (record.kind === 'check') this.check.recordValue(micros);
  }

  async onLoadEnd(): Promise<void> {}

  readLogs(text: string): void {
    const acquire = (text.match(/Acquire of session lock was not successful/g) ?? []).length;
    this.writeErrors = (text.match(/Failed to write session data/g) ?? []).length;
    this.lockErrors = Math.max(acquire, this.writeErrors);
  }

  async finish(): Promise<ConcurrencySection> {
    if (this.phpErrorLog) this.readLogs(await this.phpErrorLog());
    return this.summary();
  }

  summary(): ConcurrencySection {
    const s = this.jobs.stats;
    const burstP99 = this.burst.totalCount ? this.burst.getValueAtPercentile(99) / 1000 : 0;
    const checkP50 = this.check.totalCount ? this.check.getValueAtPercentile(50) / 1000 : 0;
    const r = (n: number) => Math.round(n * 1000) / 1000;
    return {
      ...s,
      lostUpdateRate: s.ackedIncrements > 0 ? r(s.lostUpdates / s.ackedIncrements) : null,
      lockErrors: this.lockErrors,
      writeErrors: this.writeErrors,
      lockWaitP99Ms: r(Math.max(0, burstP99 - checkP50)),
      burstLatencyP99Ms: r(burstP99),
      checkLatencyP50Ms: r(checkP50),
    };
  }

  close(): void {}
}
