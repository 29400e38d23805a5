/**
 * Evaluates threshold expressions: on a finished result (evaluateThresholds) and, for
 * abortOnFail, on a live snapshot during the run (evaluateLive). A verdict is true, false
 * or null = unknown (the metric could not be measured). Unknown is not false here: the run's
 * verdict and the gate make an unknown fail the run (exit 99) unless --allow-unknown.
 */
import type { RunResult, ThresholdResult } from '../results/result-schema.js';
import { formatsThatLog } from '../evidence/log-formats/log-format-registry.js';
import {
  aggregationLabel,
  compareThreshold,
  formatThresholdValue,
  parseThresholdExpression,
  evidenceKindOf,
  type ParsedThreshold,
  type ThresholdMetric,
} from './threshold-expression.js';
import {
  anomalyRate,
  availablePercentiles,
  errorRate,
  latencyAtPercentile,
  latencyStat,
  recoverySummary,
  sessionLossRate,
} from './result-metrics.js';

/** The scenario's `thresholds` field: metric -> expressions. */
export type ThresholdSpec = Record<string, Array<string | { threshold: string; abortOnFail?: boolean }>>;

interface Measured {
  /** The value to compare; Infinity allowed (e.g. a fault that never recovered). */
  value: number | null;
  /** Why the value is unknown or unusual. */
  note?: string;
}

/**
 * Evaluates every expression on the result. Throws InvalidInputError (naming metric and
 * expression) when an expression does not parse.
 */
export function evaluateThresholds(
  result: RunResult,
  thresholds: ThresholdSpec,
  source: 'scenario' | 'cli',
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const [metric, entries] of Object.entries(thresholds)) {
    for (const entry of entries) {
      const parsed = parseThresholdExpression(metric, typeof entry === 'string' ? entry : entry.threshold);
      out.push({ ...judge(parsed, measureResult(result, parsed)), source });
    }
  }
  return out;
}

function measureResult(result: RunResult, t: ParsedThreshold): Measured {
  const evidenceKind = evidenceKindOf(t.metric);
  if (evidenceKind) {
    // No section: no log was read, so a count of 0 would be a guess.
    if (!result.evidence) return { value: null, note: 'the result has no evidence section (no component log was read)' };
    // A log that could hold this kind and could not be read: the count is a lower bound, not a measurement.
    const formats = new Set<string>(formatsThatLog(evidenceKind));
    const unread = result.evidence.sources.filter((s) => s.status === 'unreadable' && formats.has(s.format));
    if (unread.length > 0) {
      const which = unread.map((s) => `${s.component} ${s.format}${s.error ? ` (${s.error})` : ''}`).join(', ');
      return { value: null, note: `${evidenceKind} is logged where the run could not read: ${which}` };
    }
    return { value: result.evidence.kinds[evidenceKind] ?? 0 };
  }
  switch (t.metric) {
    case 'latency': {
      if (result.requests.total === 0) return { value: null, note: 'no requests were answered' };
      if (t.aggregation === 'p') {
        const value = latencyAtPercentile(result, t.percentile!);
        if (value !== null) return { value };
        const has = availablePercentiles(result).join(', ');
        return { value: null, note: `the result has no p(${t.percentile}) (it has ${has})` };
      }
      return { value: latencyStat(result, t.aggregation as 'min' | 'max' | 'avg' | 'med') };
    }
    case 'rps':
      return { value: result.requests.rps };
    case 'error_rate': {
      const value = errorRate(result);
      return value === null ? { value, note: 'no requests were sent' } : { value };
    }
    case 'anomaly_rate': {
      const value = anomalyRate(result);
      return value === null ? { value, note: 'no answers carried a session' } : { value };
    }
    case 'session_loss_rate': {
      const value = sessionLossRate(result);
      return value === null ? { value, note: 'no user was served, so no session was judged' } : { value };
    }
    case 'leaks':
      return { value: result.outcomes.leak };
    case 'dropped': {
      const w = result.workload;
      if (!w || w.model !== 'open') return { value: null, note: 'only the open model (workload.rate or stages) drops starts' };
      return { value: w.dropped, note: `${w.dropped} of ${w.intended} intended starts` };
    }
    case 'recovery_time': {
      const summary = recoverySummary(result);
      if (summary === null) return { value: null, note: 'the run had no faults (no recovery to measure)' };
      if (summary.neverRecovered.length > 0) {
        return { value: Infinity, note: `never recovered before the run ended: ${summary.neverRecovered.join(', ')}` };
      }
      return { value: summary.maxMs };
    }
    default:
      return { value: null, note: `no measure for ${t.metric}` };
  }
}

function judge(t: ParsedThreshold, m: Measured): ThresholdResult {
  const label = aggregationLabel(t);
  const limit = `${t.operator}${formatThresholdValue(t.kind, t.limit)}`;
  if (m.value === null) {
    return { metric: t.metric, expression: t.text, actual: null, passed: null, message: `unknown: ${m.note ?? 'not measured'}` };
  }
  const passed = compareThreshold(m.value, t.operator, t.limit);
  const shown = Number.isFinite(m.value) ? formatThresholdValue(t.kind, m.value) : 'never';
  const message = `${label}=${shown}, limit ${limit}${m.note ? ` (${m.note})` : ''}`;
  // JSON has no Infinity: a never-recovered fault is stored as actual null with its verdict.
  return { metric: t.metric, expression: t.text, actual: Number.isFinite(m.value) ? m.value : null, passed, message };
}

/** What the live runner knows so far; counts are cumulative since the workload started. */
export interface LiveSnapshot {
  elapsedMs: number;
  /** Requests finished (answers + errors). */
  total: number;
  errors: number;
  /** Requests whose answer carried a session verdict (total - errors). */
  answers: number;
  /** reset + stale + ahead + leak so far. */
  anomalies: number;
  leaks: number;
  /** Users judged so far and how many of them lost their session. */
  sessions?: { judged: number; lost: number };
  /** Open model: starts dropped so far. */
  dropped?: number;
  /** Latency so far (ms), e.g. from an hdr-histogram-js histogram. */
  latency?: { min: number; max: number; mean: number; atPercentile(percentile: number): number };
}

export interface LiveVerdict {
  /** false = the threshold failed and waiting longer cannot fix it reliably: abort if abortOnFail. */
  passed: boolean | null;
  actual: number | null;
  message: string;
}

/**
 * Evaluates one parsed threshold on a live snapshot (for abortOnFail). Until the snapshot
 * holds `minRequests` requests (default 100) the verdict is null, so one early error does
 * not abort a run on 'rate<0.01' — except for values that only grow (leak count, max
 * latency) against an upper limit, whose failure is final and is reported at once.
 * recovery_time is only known after the run: always null here.
 */
export function evaluateLive(
  metric: ThresholdMetric,
  parsed: ParsedThreshold,
  snapshot: LiveSnapshot,
  options: { minRequests?: number } = {},
): LiveVerdict {
  if (metric !== parsed.metric) throw new Error(`evaluateLive: metric "${metric}" does not match the parsed threshold's "${parsed.metric}"`);
  const minRequests = options.minRequests ?? 100;
  const value = measureLive(metric, parsed, snapshot);
  const label = aggregationLabel(parsed);
  if (value === null) return { passed: null, actual: null, message: `unknown so far: ${label} not measurable yet` };
  const passed = compareThreshold(value, parsed.operator, parsed.limit);
  const message = `${label}=${formatThresholdValue(parsed.kind, value)} after ${snapshot.total} requests, limit ${parsed.operator}${formatThresholdValue(parsed.kind, parsed.limit)}`;
  if (!passed && snapshot.total < minRequests && !failureIsFinal(parsed)) {
    return { passed: null, actual: value, message: `${message} (waiting for ${minRequests} requests before judging)` };
  }
  return { passed, actual: value, message };
}

/** A value that only grows and already broke an upper limit cannot come back. */
function failureIsFinal(t: ParsedThreshold): boolean {
  const growsOnly = t.aggregation === 'count' || (t.metric === 'latency' && t.aggregation === 'max');
  return growsOnly && (t.operator === '<' || t.operator === '<=' || t.operator === '==');
}

function measureLive(metric: ThresholdMetric, t: ParsedThreshold, s: LiveSnapshot): number | null {
  switch (metric) {
    case 'latency': {
      if (!s.latency || s.answers + s.errors === 0) return null;
      switch (t.aggregation) {
        case 'p':
          return s.latency.atPercentile(t.percentile!);
        case 'med':
          return s.latency.atPercentile(50);
        case 'avg':
          return s.latency.mean;
        case 'min':
          return s.latency.min;
        default:
          return s.latency.max;
      }
    }
    case 'rps':
      return s.elapsedMs > 0 ? s.total / (s.elapsedMs / 1000) : null;
    case 'error_rate':
      return s.total > 0 ? s.errors / s.total : null;
    case 'anomaly_rate':
      return s.answers > 0 ? s.anomalies / s.answers : null;
    case 'session_loss_rate':
      return s.sessions && s.sessions.judged > 0 ? s.sessions.lost / s.sessions.judged : null;
    case 'leaks':
      return s.leaks;
    case 'dropped':
      return s.dropped ?? null;
    case 'recovery_time':
      return null;
    default:
      // evidence:<kind>: the logs are read after the run.
      return null;
  }
}
