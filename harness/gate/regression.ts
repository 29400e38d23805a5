/**
 * Regressions against baseline runs: `--max-regression p99=10%,rps=5%`.
 *
 * One baseline: fail when the value is worse than baseline * (1 ± allowed).
 * Several baselines: the measured noise is their envelope [min, max]; fail only when the
 * value is worse than the worst baseline widened by the allowed % (higher-is-worse:
 * max * (1 + allowed); lower-is-worse: min * (1 - allowed)). Why the envelope and not
 * median ± k*MAD: CI keeps 3-5 baselines, where the MAD is unstable (two equal runs make
 * it 0) and k is a guess; the envelope never calls "regression" what a baseline run itself
 * did, and with one baseline it is exactly the single-baseline rule. Its weakness (one
 * outlier baseline widens it) is visible: the table prints the baseline range.
 */
import { InvalidInputError } from '../errors.js';
import type { RunResult } from '../results/result-schema.js';
import { formatThresholdValue } from './threshold-expression.js';
import { anomalyRate, errorRate, latencyAtPercentile, sessionLossRate } from './result-metrics.js';
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

/** Used when --baseline is given without --max-regression. */
export const DEFAULT_MAX_REGRESSION = 'p99=25%,rps=10%';

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

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** One regression check per allowed key, judged against the baselines' envelope. */
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
    const med = median(values);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const edge = direction === 'higher' ? hi : lo;
    // toPrecision: 200 * 1.1 must be 220, not 220.00000000000003.
    const raw = direction === 'higher' ? edge * (1 + pct) : Math.max(0, edge * (1 - pct));
    const limit = Number(raw.toPrecision(12));
    const passed = direction === 'higher' ? actual <= limit : actual >= limit;
    const change = med === 0 ? (actual === 0 ? '±0%' : 'new') : `${actual >= med ? '+' : ''}${((actual / med - 1) * 100).toFixed(1)}%`;
    const edgeText =
      values.length === 1 ? `baseline ${fmt(edge)}` : `${direction === 'higher' ? 'max' : 'min'} of ${values.length} baselines ${fmt(edge)}`;
    const message =
      `${key} ${fmt(actual)} (${change} vs baseline median ${fmt(med)}); ` +
      `${passed ? 'within' : 'worse than'} the allowed ${direction === 'higher' ? '≤' : '≥'} ${fmt(limit)} (${edgeText} ${expression})`;
    checks.push({
      ...base,
      baseline: med,
      limit,
      passed,
      message,
      display: {
        expression: `${direction === 'higher' ? '≤' : '≥'} ${fmt(limit)} (${expression})`,
        actual: `${fmt(actual)} (${change})`,
        baseline: values.length === 1 ? fmt(med) : `${fmt(med)} (n=${values.length}, ${fmt(lo)}..${fmt(hi)})`,
      },
    });
  }
  return checks;
}
