/** result.concurrency: lost updates under concurrent requests (bursts mode; concurrency-probe.ts). Zod only. */
import { z } from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const concurrencySectionSchema = z.object({
  bursts: count,
  burstSize: count,
  /** Bursts whose every increment was answered: their lost updates are exact. */
  determinateBursts: count,
  /** Acknowledged increments in determinate bursts (the denominator of lostUpdateRate). */
  ackedIncrements: count,
  /** Acknowledged (2xx) increments missing from the count afterwards, in determinate bursts. */
  lostUpdates: count,
  /** Of those, how many the app had flagged (written: false): the rest were lost without a trace. */
  lostFlaggedUnsaved: count,
  /** Bursts with at least one lost update (determinate bursts). */
  burstsWithLoss: count,
  /** Increments that got no readable 2xx answer (timeouts, errors): their effect is unknown. */
  indeterminateIncrements: count,
  timedOutIncrements: count,
  /** Bursts with indeterminate increments, and the range of lost updates they may hide. */
  indeterminateBursts: count,
  indeterminateLostMin: count,
  indeterminateLostMax: count,
  /** Increments answered 200 whose write failed (the app's written: false). */
  unsavedIncrements: count,
  /** A count higher than every increment sent could make (a write counted twice). */
  excessIncrements: count,
  /** lostUpdates / ackedIncrements; null when no burst was determinate (nothing to divide). */
  lostUpdateRate: z.number().min(0).nullable(),
  /**
   * Writes refused because the session lock was not held: phpredis 6 logs "Acquire of
   * session lock was not successful"; 5.3.7 logs nothing for the lock and PHP then reports
   * "Failed to write session data". Both are counted (a dropped write answered with a 200).
   */
  lockErrors: count,
  /** "Failed to write session data" warnings. */
  writeErrors: count,
  /** p99 of a burst increment minus p50 of an uncontended read: the time spent waiting (for the lock or a worker). */
  lockWaitP99Ms: ms,
  burstLatencyP99Ms: ms,
  checkLatencyP50Ms: ms,
});
export type ConcurrencySection = z.infer<typeof concurrencySectionSchema>;
