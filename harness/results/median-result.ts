/**
 * `--repeat N`: folds N results of one scenario into one result the gate and the report read
 * like any other.
 *
 * - Speed is the median over the runs: requests.rps, durationMs, latencyMs, the percentile
 *   spectrum, timing, nodesServed and recovery times (a fault that never recovered counts as
 *   slower than any that did).
 * - Correctness is the WORST run's, never a median: sessions (users, intact, recovered, lost,
 *   unserved, lossRate, every count there), outcomes (leak, reset, ...), the requests counts
 *   (total, ok, errors, timeouts, non2xx, connectionErrors: one run's, so its error rate is
 *   that run's rate), the `concurrency` section and the anomaly samples. The worst run has
 *   the most leaks, then the highest session loss rate, then the most lost users, then the
 *   highest error rate (then the most anomalous answers, then the most lost updates); on a
 *   tie the median-rps run. One run that loses a session shows in the folded figures,
 *   where a median of 0, 0, 1 would have hidden it. `repeat.worstRun` names that run.
 * - The per-second timeline, fault windows, environment and other sections come from the
 *   run with the median rps (the lower middle for even N), so the charts show a real run.
 *
 * Fields are folded independently: e.g. requests.total / durationMs need not equal rps.
 * Thresholds are not carried over: re-evaluate them on the folded result.
 */
import { InvalidInputError } from '../errors.js';
import type { RunResult } from './result-schema.js';
import { median } from '../util/median.js';
import type { RepeatSummary } from './repeat-section.js';

/** Per-run figures kept under result.repeat so the report can show the spread. */
export type { RepeatSummary } from './repeat-section.js';

// toPrecision: the median of 1.632 and 1.635 is 1.6335, not 1.6335000000000002.
const medianOf = (values: number[]) => Number(median(values).toPrecision(12));
const medianCount = (values: number[]) => Math.round(median(values));

/** Median of each numeric field of the objects (keys of the first), counts rounded. */
function medianFields<T extends Record<string, number>>(objects: T[], counts: boolean): T {
  const out: Record<string, number> = {};
  for (const key of Object.keys(objects[0]!)) {
    const values = objects.map((o) => o[key]!);
    out[key] = counts ? medianCount(values) : medianOf(values);
  }
  return out as T;
}

/** Anomalous answers: every outcome but ok and error (reset, stale, ahead, leak, ...). */
function anomalies(result: RunResult): number {
  return Object.entries(result.outcomes).reduce((sum, [name, n]) => (name === 'ok' || name === 'error' ? sum : sum + n), 0);
}

function lostUpdates(result: RunResult): number {
  return result.concurrency?.lostUpdates ?? 0;
}

const errorRateOf = (r: RunResult) => (r.requests.total === 0 ? 0 : r.requests.errors / r.requests.total);

/** Worse first: leaks, session loss rate, lost users, error rate, anomalies, lost updates. */
const worstFirst: Array<(r: RunResult) => number> = [
  (r) => r.outcomes.leak,
  (r) => r.sessions.lossRate,
  (r) => r.sessions.lost,
  errorRateOf,
  anomalies,
  lostUpdates,
];

/** The run with the worst correctness figures; `preferred` (the median-rps run) on a tie. */
export function worstRun(results: RunResult[], preferred: RunResult = results[0]!): RunResult {
  const candidates = [preferred, ...results.filter((r) => r !== preferred)];
  let worst = candidates[0]!;
  for (const r of candidates.slice(1)) {
    for (const figure of worstFirst) {
      const a = figure(r);
      const b = figure(worst);
      if (a === b) continue;
      if (a > b) worst = r;
      break;
    }
  }
  return worst;
}

export function computeMedianResult(results: RunResult[]): RunResult {
  if (results.length === 0) throw new InvalidInputError('computeMedianResult: give at least one result');
  const scenario = results[0]!.scenario;
  const other = results.find((r) => r.scenario !== scenario);
  if (other) {
    throw new InvalidInputError(
      `computeMedianResult: run ${other.runId} is of scenario "${other.scenario}", the others of "${scenario}"; repeat one scenario only`,
    );
  }
  const n = results.length;
  // The lower middle for even N: a real run, not an average of two.
  const byRps = [...results].sort((a, b) => a.requests.rps - b.requests.rps);
  const typical = byRps[Math.floor((n - 1) / 2)]!;
  const worst = worstRun(results, typical);
  const out = structuredClone(typical) as RunResult;

  out.runId = `median-of-${n}`;
  out.durationMs = medianOf(results.map((r) => r.durationMs));
  // Counts (total, ok, errors, timeouts, ...) of the worst run, so its error rate is one run's rate.
  out.requests = { ...structuredClone(worst.requests), rps: medianOf(results.map((r) => r.requests.rps)) };
  out.latencyMs = medianFields(results.map((r) => r.latencyMs), false);
  // Medians per percentile keep the spectrum monotonic (the median is order-preserving).
  out.latencyPercentiles = typical.latencyPercentiles.flatMap(({ percentile }) => {
    const values = results.map((r) => r.latencyPercentiles.find((p) => Math.abs(p.percentile - percentile) < 1e-9)?.ms);
    return values.every((v): v is number => v !== undefined) ? [{ percentile, ms: medianOf(values) }] : [];
  });
  out.sessions = structuredClone(worst.sessions);
  out.outcomes = structuredClone(worst.outcomes);
  out.anomalySamples = structuredClone(worst.anomalySamples);
  if (worst.concurrency !== undefined) out.concurrency = structuredClone(worst.concurrency);
  else delete out.concurrency;
  out.timing = medianFields(results.map((r) => r.timing), false);
  const nodeNames = [...new Set(results.flatMap((r) => Object.keys(r.nodesServed)))].sort();
  out.nodesServed = Object.fromEntries(nodeNames.map((name) => [name, medianCount(results.map((r) => r.nodesServed[name] ?? 0))]));
  if (typical.recovery) {
    // A fault that never recovered counts as slower than any that did.
    const med = (values: Array<number | null>) => {
      const m = median(values.map((v) => v ?? Infinity));
      return Number.isFinite(m) ? m : null;
    };
    out.recovery = typical.recovery.map((entry, i) => {
      const runs = results.map((r) => r.recovery?.[i]).filter((e): e is NonNullable<typeof e> => e !== undefined);
      return { fault: entry.fault, fromStartMs: med(runs.map((e) => e.fromStartMs)), fromHealMs: med(runs.map((e) => e.fromHealMs)) };
    });
  }
  delete out.thresholds;
  delete out.gate;
  const rpsValues = results.map((r) => r.requests.rps);
  const p99Values = results.map((r) => r.latencyMs.p99);
  const repeat: RepeatSummary = {
    runs: n,
    timelineFrom: typical.runId,
    worstRun: worst.runId,
    perRun: results.map((r) => ({
      runId: r.runId,
      rps: r.requests.rps,
      p99: r.latencyMs.p99,
      errors: r.requests.errors,
      total: r.requests.total,
      lost: r.sessions.lost,
      leak: r.outcomes.leak,
    })),
    spread: {
      rps: { min: Math.min(...rpsValues), max: Math.max(...rpsValues) },
      p99: { min: Math.min(...p99Values), max: Math.max(...p99Values) },
    },
  };
  out.repeat = repeat;
  return out;
}
