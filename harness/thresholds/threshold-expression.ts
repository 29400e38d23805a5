/**
 * The thresholds language (k6 style): `'<aggregation> <operator> <number>[unit]'`, e.g.
 * `'p(99)<250'`, `'max<=1s'`, `'rate<0.001'`, `'count==0'`. Parsing is separate from
 * evaluation (threshold-evaluate.ts) so a scenario can be validated before anything starts.
 */
import { InvalidInputError } from '../errors.js';
import { evidenceKinds, type EvidenceKind } from '../evidence/evidence-types.js';

/** The fixed metrics; `evidence:<kind>` (log events of one kind, result.evidence) comes on top. */
export const thresholdMetrics = [
  'latency',
  'rps',
  'error_rate',
  'anomaly_rate',
  'session_loss_rate',
  'leaks',
  'recovery_time',
  'dropped',
] as const;
export const EVIDENCE_METRIC_PREFIX = 'evidence:';
export type EvidenceMetric = `evidence:${EvidenceKind}`;
export type ThresholdMetric = (typeof thresholdMetrics)[number] | EvidenceMetric;

/** The kind of an `evidence:<kind>` metric, or null for another metric. */
export function evidenceKindOf(metric: string): EvidenceKind | null {
  if (!metric.startsWith(EVIDENCE_METRIC_PREFIX)) return null;
  const kind = metric.slice(EVIDENCE_METRIC_PREFIX.length);
  return (evidenceKinds as readonly string[]).includes(kind) ? (kind as EvidenceKind) : null;
}

/** Every metric name, for messages. */
export const thresholdMetricsHelp = `${thresholdMetrics.join(', ')}, or evidence:<kind> (${evidenceKinds.join(', ')})`;

export const thresholdOperators = ['<', '<=', '>', '>=', '==', '!='] as const;
export type ThresholdOperator = (typeof thresholdOperators)[number];

export type Aggregation = 'p' | 'min' | 'max' | 'avg' | 'med' | 'value' | 'rate' | 'count';
type ValueKind = 'ms' | 'rate' | 'rps' | 'count';

interface MetricGrammar {
  aggregations: readonly Aggregation[];
  kind: ValueKind;
  /** One-line description of what is allowed, used in every error message. */
  help: string;
}

const evidenceGrammar: MetricGrammar = {
  aggregations: ['count'],
  kind: 'count',
  help: "count, an operator and a whole number (e.g. 'count==0'): log events of that kind in the run",
};

const grammar: Record<(typeof thresholdMetrics)[number], MetricGrammar> = {
  latency: {
    aggregations: ['p', 'max', 'min', 'avg', 'med'],
    kind: 'ms',
    help: "p(N) with 0<N<=100, max, min, avg or med, then an operator and ms (e.g. 'p(99)<250', 'max<=1s')",
  },
  rps: {
    aggregations: ['value', 'avg'],
    kind: 'rps',
    help: "value or avg (both: requests per second over the run), then an operator and a number (e.g. 'value>100')",
  },
  error_rate: { aggregations: ['rate'], kind: 'rate', help: "rate, an operator and a fraction 0..1 or a percent (e.g. 'rate<0.001', 'rate<0.1%')" },
  anomaly_rate: { aggregations: ['rate'], kind: 'rate', help: "rate, an operator and a fraction 0..1 or a percent (e.g. 'rate<0.001', 'rate==0')" },
  session_loss_rate: { aggregations: ['rate'], kind: 'rate', help: "rate, an operator and a fraction 0..1 or a percent (e.g. 'rate==0')" },
  leaks: { aggregations: ['count'], kind: 'count', help: "count, an operator and a whole number (e.g. 'count==0')" },
  dropped: {
    aggregations: ['count'],
    kind: 'count',
    help: "count, an operator and a whole number (e.g. 'count==0'): open-model starts that could not be made on time",
  },
  recovery_time: {
    aggregations: ['max', 'value'],
    kind: 'ms',
    help: "max or value (both: the slowest fault recovery), then an operator and ms (e.g. 'max<5000', 'max<5s')",
  },
};

export interface ParsedThreshold {
  metric: ThresholdMetric;
  /** The expression as written. */
  text: string;
  aggregation: Aggregation;
  /** For aggregation 'p': the percentile, 0 < percentile <= 100. */
  percentile?: number;
  operator: ThresholdOperator;
  /** The limit in the metric's base unit: ms for latency/recovery_time, a 0..1 fraction for rates. */
  limit: number;
  kind: ValueKind;
}

const expressionPattern =
  /^\s*(p\s*\(\s*([^)]*?)\s*\)|[a-z]+)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s|m|%)?\s*$/i;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

export function isThresholdMetric(metric: string): metric is ThresholdMetric {
  return (thresholdMetrics as readonly string[]).includes(metric) || evidenceKindOf(metric) !== null;
}

export function parseThresholdExpression(metric: string, text: string): ParsedThreshold {
  if (!isThresholdMetric(metric)) {
    throw new InvalidInputError(`unknown threshold metric "${metric}": use one of ${thresholdMetricsHelp}`);
  }
  const g = evidenceKindOf(metric) ? evidenceGrammar : grammar[metric as (typeof thresholdMetrics)[number]];
  const fail = (why: string): never => {
    throw new InvalidInputError(`threshold ${metric}: ${JSON.stringify(text)} ${why}: use ${g.help}`);
  };
  if (typeof text !== 'string') return fail('is not a string');
  const m = expressionPattern.exec(text);
  if (!m) return fail('is not a valid expression');
  const [, aggText, pText, op, numText, unitText] = m as unknown as [string, string, string | undefined, string, string, string | undefined];
  const isPercentile = pText !== undefined;
  const aggregation = (isPercentile ? 'p' : aggText.toLowerCase()) as Aggregation;
  if (!g.aggregations.includes(aggregation) || (!isPercentile && aggregation === 'p')) {
    return fail(`uses "${isPercentile ? 'p(...)' : aggText}", which ${metric} does not have`);
  }
  let percentile: number | undefined;
  if (isPercentile) {
    percentile = /^\d+(\.\d+)?$/.test(pText) ? Number(pText) : NaN;
    if (!(percentile > 0 && percentile <= 100)) return fail(`has percentile "${pText}" outside 0<N<=100`);
  }
  let limit = Number(numText);
  if (!Number.isFinite(limit)) return fail('has a limit that is not a number');
  const unit = unitText?.toLowerCase();
  if (unit !== undefined) {
    if (g.kind === 'ms' && unit !== '%') limit *= unitMs[unit]!;
    else if (g.kind === 'rate' && unit === '%') limit /= 100;
    else return fail(`has unit "${unitText}", which ${metric} does not take`);
  }
  if (limit < 0) return fail('has a negative limit');
  if (g.kind === 'rate' && limit > 1) return fail('has a rate above 1 (rates are fractions 0..1; write 5% or 0.05)');
  if (g.kind === 'count' && !Number.isInteger(limit)) return fail('has a count that is not a whole number');
  return {
    metric,
    text,
    aggregation,
    ...(percentile !== undefined ? { percentile } : {}),
    operator: op as ThresholdOperator,
    limit,
    kind: g.kind,
  };
}

/** Applies the threshold's operator: true when `actual` satisfies it. */
export function compareThreshold(actual: number, operator: ThresholdOperator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}

/** The aggregation as a label: "p(99)", "max", "rate". */
export function aggregationLabel(parsed: ParsedThreshold): string {
  return parsed.aggregation === 'p' ? `p(${parsed.percentile})` : parsed.aggregation;
}

/** Formats a value of the threshold's kind for messages and tables: "212.4ms", "0.12%", "1530/s". */
export function formatThresholdValue(kind: ValueKind, value: number): string {
  if (!Number.isFinite(value)) return String(value);
  switch (kind) {
    case 'ms':
      return `${round(value)}ms`;
    case 'rate':
      return `${Number((value * 100).toPrecision(3))}%`;
    case 'rps':
      return `${round(value)}/s`;
    case 'count':
      return String(value);
  }
}

function round(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}

