/**
 * Lost updates under concurrency (bursts mode): counts from BurstJobs, latency of burst
 * requests vs uncontended reads, and the lock warnings PHP wrote to its logs.
 */
import * as hdr from 'hdr-histogram-js';
import type { BurstJobs, BurstStats } from '../workload/burst-jobs.js';
import type { Job } from '../workload/job-source.js';

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

/** BurstJobs' counts (documented there), and what the meter adds. */
export interface ConcurrencySection extends BurstStats {
  /** lostUpdates / ackedIncrements; null when no burst was determinate (nothing to divide). */
  lostUpdateRate: number | null;
  /**
   * Writes refused because the session lock was not held: phpredis 6 logs "Acquire of
   * session lock was not successful"; 5.3.7 logs nothing for the lock and PHP then reports
   * "Failed to write session data". Both are counted (a dropped write answered with a 200).
   */
  lockErrors: number;
  /** "Failed to write session data" warnings. */
  writeErrors: number;
  /** p99 of a burst increment minus p50 of an uncontended read: the time spent waiting (for the lock or a worker). */
  lockWaitP99Ms: number;
  burstLatencyP99Ms: number;
  checkLatencyP50Ms: number;
}

export class ConcurrencyMeter {
  private readonly burst = histogram();
  private readonly check = histogram();
  private lockErrors = 0;
  private writeErrors = 0;

  constructor(private readonly jobs: BurstJobs) {}

  record(kind: Job['kind'], latencyMs: number): void {
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    if (kind === 'burst') this.burst.recordValue(micros);
    else if (kind === 'check') this.check.recordValue(micros);
  }

  readLogs(text: string): void {
    const acquire = (text.match(/Acquire of session lock was not successful/g) ?? []).length;
    this.writeErrors = (text.match(/Failed to write session data/g) ?? []).length;
    this.lockErrors = Math.max(acquire, this.writeErrors);
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
}
