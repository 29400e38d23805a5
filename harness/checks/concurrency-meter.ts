/**
 * Lost updates under concurrency (bursts mode): counts from BurstJobs, latency of burst
 * requests vs uncontended reads, and the lock warnings PHP wrote to its logs.
 */
import * as hdr from 'hdr-histogram-js';
import type { BurstJobs } from '../workload/burst-jobs.js';
import type { Job } from '../workload/job-source.js';

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

export interface ConcurrencySection {
  /** Bursts whose count was read after them. */
  bursts: number;
  burstSize: number;
  /** Bursts whose every increment was answered: their lost updates are exact. */
  determinateBursts: number;
  /** Increments answered 2xx in determinate bursts: the denominator of lostUpdateRate. */
  ackedIncrements: number;
  /** Acknowledged (2xx) increments missing from the count afterwards, in determinate bursts. */
  lostUpdates: number;
  /** lostUpdates / ackedIncrements; null when no burst was determinate (nothing to divide). */
  lostUpdateRate: number | null;
  /** Of the lost updates, those the app flagged (written: false); the rest left no trace at all. */
  lostFlaggedUnsaved: number;
  burstsWithLoss: number;
  /** Increments without a readable 2xx answer (timeouts, errors): they may or may not have landed. */
  indeterminateIncrements: number;
  timedOutIncrements: number;
  /** Bursts with indeterminate increments, reported apart: the lost updates they may hide lie in [min, max]. */
  indeterminateBursts: number;
  indeterminateLostMin: number;
  indeterminateLostMax: number;
  /** Increments answered 200 whose write failed (written: false) — dropped writes the user never hears of. */
  unsavedIncrements: number;
  /** Counts above every increment sent (a write counted twice). */
  excessIncrements: number;
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
