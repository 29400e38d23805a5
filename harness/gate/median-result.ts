/**
 * `--repeat N`: folds N results of one scenario into one "median" result the gate and the
 * report read like any other. Every numeric summary field is the median over the runs
 * (counts rounded to whole numbers); the per-second timeline, fault windows, samples and
 * environment come from the run with the median rps, so the charts show a real run.
 * Fields are medians independently: e.g. requests.total need not equal ok + errors.
 * Thresholds are not carried over: re-evaluate them on the median with evaluateThresholds.
 */
import { InvalidInputError } from '../errors.js';
import type { RunResult } from '../results/result-schema.js';
import { median } from './regression.js';

/** Per-run figures kept under result.repeat so the report can show the spread. */
export interface RepeatSummary {
  runs: number;
  /** The run whose timeline, faults and samples the median result carries. */
  timelineFrom: string;
  perRun: Array<{ runId: string; rps: number; p99: number; errors: number; total: number }>;
  spread: { rps: { min: number; max: number }; p99: { min: number; max: number } };
}

const medianOf = (values: number[]) => median(values);
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
  const out = structuredClone(typical) as RunResult;

  out.runId = `median-of-${n}`;
  out.durationMs = medianOf(results.map((r) => r.durationMs));
  const { rps: _rps, ...requestCounts } = typical.requests;
  out.requests = {
    ...medianFields(results.map((r) => pick(r.requests, Object.keys(requestCounts))), true),
    rps: medianOf(results.map((r) => r.requests.rps)),
  } as RunResult['requests'];
  out.latencyMs = medianFields(results.map((r) => r.latencyMs), false);
  // Medians per percentile keep the spectrum monotonic (the median is order-preserving).
  out.latencyPercentiles = typical.latencyPercentiles.flatMap(({ percentile }) => {
    const values = results.map((r) => r.latencyPercentiles.find((p) => Math.abs(p.percentile - percentile) < 1e-9)?.ms);
    return values.every((v): v is number => v !== undefined) ? [{ percentile, ms: medianOf(values) }] : [];
  });
  const { lossRate: _loss, ...sessionCounts } = typical.sessions;
  out.sessions = {
    ...medianFields(results.map((r) => pick(r.sessions, Object.keys(sessionCounts))), true),
    lossRate: medianOf(results.map((r) => r.sessions.lossRate)),
  } as RunResult['sessions'];
  out.outcomes = medianFields(results.map((r) => r.outcomes), true);
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
    perRun: results.map((r) => ({ runId: r.runId, rps: r.requests.rps, p99: r.latencyMs.p99, errors: r.requests.errors, total: r.requests.total })),
    spread: {
      rps: { min: Math.min(...rpsValues), max: Math.max(...rpsValues) },
      p99: { min: Math.min(...p99Values), max: Math.max(...p99Values) },
    },
  };
  out.repeat = repeat;
  return out;
}

function pick(source: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, source[k] ?? 0]));
}
