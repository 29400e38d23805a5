/**
 * The numbers thresholds and regressions are judged on, read from a result. Each returns
 * null when the result cannot tell (no requests, no faults, a percentile it lacks), which
 * the gate reports as "unknown" rather than guessing.
 */
import { anomalyCount, type RunResult } from '../results/result-schema.js';

const summaryPercentiles: Array<[number, 'p50' | 'p90' | 'p95' | 'p99' | 'p999' | 'max']> = [
  [50, 'p50'],
  [90, 'p90'],
  [95, 'p95'],
  [99, 'p99'],
  [99.9, 'p999'],
  [100, 'max'],
];
const EPSILON = 1e-9;

/** Latency (ms) at a percentile: the spectrum first, then the summary; null when neither has it. */
export function latencyAtPercentile(result: RunResult, percentile: number): number | null {
  if (result.requests.total === 0) return null;
  const point = result.latencyPercentiles.find((p) => Math.abs(p.percentile - percentile) < EPSILON);
  if (point) return point.ms;
  const field = summaryPercentiles.find(([p]) => Math.abs(p - percentile) < EPSILON);
  return field ? result.latencyMs[field[1]] : null;
}

/** Percentiles the result can answer, for "unknown" messages. */
export function availablePercentiles(result: RunResult): number[] {
  const all = new Set<number>([...result.latencyPercentiles.map((p) => p.percentile), ...summaryPercentiles.map(([p]) => p)]);
  return [...all].filter((p) => p > 0 && p <= 100).sort((a, b) => a - b);
}

export function latencyStat(result: RunResult, stat: 'min' | 'max' | 'avg' | 'med'): number | null {
  if (result.requests.total === 0) return null;
  if (stat === 'avg') return result.latencyMs.mean;
  if (stat === 'med') return latencyAtPercentile(result, 50);
  return result.latencyMs[stat];
}

/** requests.errors / requests.total; null without requests. */
export function errorRate(result: RunResult): number | null {
  return result.requests.total === 0 ? null : result.requests.errors / result.requests.total;
}

/** Answers that carried a session verdict (every outcome but error). */
export function answerCount(result: RunResult): number {
  const o = result.outcomes;
  return o.ok + anomalyCount(o);
}

/** (reset + stale + ahead + unsaved + leak) / answers; null without answers. */
export function anomalyRate(result: RunResult): number | null {
  const answers = answerCount(result);
  if (answers === 0) return null;
  return anomalyCount(result.outcomes) / answers;
}

/** sessions.lossRate; null when no user was judged (all unserved). */
export function sessionLossRate(result: RunResult): number | null {
  const judged = result.sessions.users - result.sessions.unserved;
  return judged <= 0 ? null : result.sessions.lossRate;
}

export interface RecoverySummary {
  /** Slowest recovery (ms from fault start); Infinity when some fault never recovered. */
  maxMs: number;
  /** Faults that never had 3 clean seconds before the run ended. */
  neverRecovered: string[];
}

/** Max over result.recovery[].fromStartMs; null when the run had no faults. */
export function recoverySummary(result: RunResult): RecoverySummary | null {
  const recovery = result.recovery ?? [];
  if (recovery.length === 0) return null;
  const neverRecovered = recovery.filter((r) => r.fromStartMs === null).map((r) => r.fault);
  const known = recovery.flatMap((r) => (r.fromStartMs === null ? [] : [r.fromStartMs]));
  return { maxMs: neverRecovered.length > 0 ? Infinity : Math.max(...known), neverRecovered };
}
