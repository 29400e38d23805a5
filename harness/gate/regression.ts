/**
 * Regressions against baseline runs: `--max-regression p50=25%,p99=50%,rps=20%`.
 *
 * The baselines are summed up by robust statistics: their median and their median absolute
 * deviation (MAD, scaled by 1.4826 so it estimates one standard deviation of normal noise).
 * The limit is
 *
 *   higher-is-worse (latency, rates): median × (1 + allowed) + k × MAD
 *   lower-is-worse (rps):             median × (1 − allowed) − k × MAD   (never below 0)
 *
 * with k = MAD_FACTOR = 2. With one baseline MAD = 0: the rule is baseline × (1 ± allowed),
 * so the allowed % has to cover the noise between two runs on its own (what one or two
 * baselines cannot show); k × MAD adds the noise the baselines do show. Why 2: a candidate
 * 2 sd beyond the allowance is rare under normal noise (about 1 in 40 per key with no
 * allowance at all, were the MAD exact), and with 5-10 baselines the limit is then on
 * average where the old envelope put it (3 would be looser than the envelope at every n up
 * to ~40).
 *
 * Why not the envelope [min, max] of the baselines (the rule before issue 18): every added
 * baseline can only widen an envelope, one outlier widens it as much as it likes, and an
 * accepted regressed run moves the limit up by itself × (1 + allowed) — the limit ratchets.
 * The median and the MAD each ignore up to half the baselines being wild: adding baselines
 * like the others leaves the limit where it was, an outlier or an accepted slow run moves it
 * by about one order statistic.
 */
import { InvalidInputError } from '../errors.js';
import type { RunResult } from '../results/result-schema.js';
import { formatThresholdValue } from '../thresholds/threshold-expression.js';
import { anomalyRate, errorRate, latencyAtPercentile, sessionLossRate } from '../thresholds/result-metrics.js';
import { median } from '../util/median.js';
import type { GateCheck } from './gate-types.js';

export const regressionKeys = ['p50', 'p90', 'p95', 'p99', 'max', 'rps', 'error_rate', 'anomaly_rate', 'session_loss_rate'] as const;
export type RegressionKey = (typeof regressionKeys)[number];
export type MaxRegression = Partial<Record<RegressionKey, number>>;

/** Which way is worse: latency and rates up, throughput down. */
export const worseWhen: Record<RegressionKey, 'higher' | 'lower'> = {
  p50: 'higher',
  p90: 'higher',
  p95: 'higher',
  p99: 'higher',
  max: 'higher',
  rps: 'lower',
  error_rate: 'higher',
  anomaly_rate: 'higher',
  session_loss_rate: 'higher',
};

/**
 * Used when --baseline is given without --max-regression. Sized from measurements, not hopes:
 * two 3 s runs of the same build (the A/A test's scenario, 5 ms of work per request) on a
 * shared 2-core machine not busy with other work differed by up to 12% in p50 and req/s and
 * 23% in p99. test/integration/gate-aa.test.ts checks that 10 such A/A pairs pass and 5 ms of
 * Redis latency fails (docs/ci-gate.md).
 */
export const DEFAULT_MAX_REGRESSION = 'p50=25%,p99=50%,rps=20%';

/** k in median ± k × MAD. */
export const MAD_FACTOR = 2;
/** Scales the MAD to a standard deviation for normally distributed noise. */
export const MAD_SCALE = 1.4826;

const usage = `use e.g. --max-regression p99=10%,rps=5% (keys: ${regressionKeys.join(', ')})`;

/** Parses "p99=10%,rps=5%" into fractions { p99: 0.1, rps: 0.05 }. */
export function parseMaxRegression(text: string): MaxRegression {
  const out: MaxRegression = {};
  const parts = text.split(',').map((p) => p.trim());
  if (parts.every((p) => p === '')) throw new InvalidInputError(`--max-regression is empty: ${usage}`);
  for (const part of parts) {
    const m = /^([a-z0-9_]+)\s*=\s*(\d+(?:\.\d+)?)\s*%$/i.exec(part);
    if (!m) throw new InvalidInputError(`--max-regression: "${part}" is not key=N%: ${usage}`);
    const key = m[1]!.toLowerCase();
    if (!(regressionKeys as readonly string[]).includes(key)) {
      throw new InvalidInputError(`--max-regression: unknown key "${m[1]}": ${usage}`);
    }
    if (key in out) throw new InvalidInputError(`--max-regression: "${key}" is given twice: ${usage}`);
    out[key as RegressionKey] = Number(m[2]) / 100;
  }
  return out;
}

export function regressionValue(result: RunResult, key: RegressionKey): number | null {
  switch (key) {
    case 'p50':
      return latencyAtPercentile(result, 50);
    case 'p90':
      return latencyAtPercentile(result, 90);
    case 'p95':
      return latencyAtPercentile(result, 95);
    case 'p99':
      return latencyAtPercentile(result, 99);
    case 'max':
      return result.requests.total === 0 ? null : result.latencyMs.max;
    case 'rps':
      return result.requests.rps;
    case 'error_rate':
      return errorRate(result);
    case 'anomaly_rate':
      return anomalyRate(result);
    case 'session_loss_rate':
      return sessionLossRate(result);
  }
}

function kindOf(key: RegressionKey): 'ms' | 'rps' | 'rate' {
  return key === 'rps' ? 'rps' : key.endsWith('_rate') ? 'rate' : 'ms';
}

/** Median absolute deviation from the median, scaled by MAD_SCALE; 0 for one value. */
export function scaledMad(values: number[]): number {
  const m = median(values);
  return MAD_SCALE * median(values.map((v) => Math.abs(v - m)));
}

export interface BaselineLimit {
  median: number;
  /** Scaled MAD of the baselines (0 with one baseline). */
  mad: number;
  n: number;
  /** The worst value still accepted. */
  limit: number;
}

/** The limit for one key: median × (1 ± allowed) ± MAD_FACTOR × MAD, worse in `direction`. */
export function baselineLimit(values: number[], allowed: number, direction: 'higher' | 'lower'): BaselineLimit {
  if (values.length === 0) throw new InvalidInputError('baselineLimit: give at least one baseline value');
  const med = median(values);
  const mad = scaledMad(values);
  const raw = direction === 'higher' ? med * (1 + allowed) + MAD_FACTOR * mad : Math.max(0, med * (1 - allowed) - MAD_FACTOR * mad);
  // toPrecision: 200 * 1.1 must be 220, not 220.00000000000003.
  return { median: Number(med.toPrecision(12)), mad: Number(mad.toPrecision(12)), n: values.length, limit: Number(raw.toPrecision(12)) };
}

/** One regression check per allowed key, judged against the baselines' median and MAD. */
export function compareToBaselines(current: RunResult, baselines: RunResult[], allowed: MaxRegression): GateCheck[] {
  const checks: GateCheck[] = [];
  for (const key of regressionKeys) {
    const pct = allowed[key];
    if (pct === undefined) continue;
    const kind = kindOf(key);
    const fmt = (v: number) => formatThresholdValue(kind, v);
    const direction = worseWhen[key];
    const expression = `${direction === 'higher' ? '+' : '-'}${Number((pct * 100).toFixed(4))}%`;
    const actual = regressionValue(current, key);
    const values = baselines.map((b) => regressionValue(b, key)).filter((v): v is number => v !== null);
    const base = {
      kind: 'regression' as const,
      metric: key,
      expression,
      source: 'baseline' as const,
      actual,
    };
    if (actual === null || values.length === 0) {
      const why = actual === null ? 'the result cannot measure it' : 'no baseline can measure it';
      checks.push({
        ...base,
        baseline: values.length > 0 ? median(values) : null,
        limit: null,
        passed: null,
        message: `unknown: ${key} — ${why}`,
        display: { expression: `${expression} (worse: ${direction})`, actual: actual === null ? '?' : fmt(actual), baseline: values.length > 0 ? fmt(median(values)) : '?' },
      });
      continue;
    }
    const { median: med, mad, n, limit } = baselineLimit(values, pct, direction);
    const passed = direction === 'higher' ? actual <= limit : actual >= limit;
    const change = med === 0 ? (actual === 0 ? '±0%' : 'new') : `${actual >= med ? '+' : ''}${((actual / med - 1) * 100).toFixed(1)}%`;
    const sign = direction === 'higher' ? '+' : '−';
    const rule = n === 1 ? `baseline ${fmt(med)} ${expression}` : `median of ${n} baselines ${fmt(med)} ${expression} ${sign} ${MAD_FACTOR} × MAD ${fmt(mad)}`;
    const message =
      `${key} ${fmt(actual)} (${change} vs baseline median ${fmt(med)}); ` +
      `${passed ? 'within' : 'worse than'} the allowed ${direction === 'higher' ? '≤' : '≥'} ${fmt(limit)} (${rule})`;
    checks.push({
      ...base,
      baseline: med,
      limit,
      passed,
      message,
      display: {
        expression: `${direction === 'higher' ? '≤' : '≥'} ${fmt(limit)} (${expression}${n === 1 ? '' : ` ${sign} ${MAD_FACTOR} MAD`})`,
        actual: `${fmt(actual)} (${change})`,
        baseline: n === 1 ? fmt(med) : `${fmt(med)} (n=${n}, MAD ${fmt(mad)}, ${fmt(Math.min(...values))}..${fmt(Math.max(...values))})`,
      },
    });
  }
  return checks;
}
