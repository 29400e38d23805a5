/**
 * The history, aggregated as it arrives: totals, outcomes, HDR latency histograms (whole run
 * and per second), answers per node per second, and a few anomalous answers as examples.
 * Computing results is kept apart from printing them (as autocannon does).
 */
import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import {
  anomalyCount,
  anomalyOutcomes,
  type LatencySummary,
  type OutcomeCounts,
  type OutcomeName,
  type RunResult,
  type TimelinePoint,
} from './result-schema.js';

type Sample = RunResult['anomalySamples'][number];

export interface CollectedRecord {
  t: number;
  user: string;
  status: number;
  latencyMs: number;
  outcome: OutcomeName;
  node: string | null;
  expected: number;
  got: number | null;
  failure?: 'timeout' | 'connection';
  /** Open model: from the actual send (latencyMs is then from the intended start). */
  serviceMs?: number;
  /** PHP warnings the answer carried (unsaved answers say why). */
  warnings?: string[];
  /** Why the answer is not ok (a journey step's check or extraction). */
  detail?: string;
}

const newHistogram = (): Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

const emptyOutcomes = (): OutcomeCounts => ({ ok: 0, reset: 0, stale: 0, ahead: 0, unsaved: 0, error: 0, leak: 0 });

interface SecondBucket {
  requests: number;
  errors: number;
  anomalies: number;
  outcomes: OutcomeCounts;
  nodes: Record<string, number>;
  histogram: Histogram;
}

const anomalySet = new Set<OutcomeName>(anomalyOutcomes);
const MAX_SAMPLES = 50;

export class RunCollector {
  readonly total = newHistogram();
  /** Open model: service time (from the actual send); empty in the closed model. */
  readonly service = newHistogram();
  readonly outcomes = emptyOutcomes();
  readonly nodesServed: Record<string, number> = {};
  readonly samples: Sample[] = [];
  requests = 0;
  errors = 0;
  timeouts = 0;
  non2xx = 0;
  connectionErrors = 0;
  private readonly seconds: SecondBucket[] = [];

  record(r: CollectedRecord): void {
    const second = Math.max(0, Math.floor(r.t / 1000));
    let bucket = this.seconds[second];
    if (!bucket) {
      bucket = { requests: 0, errors: 0, anomalies: 0, outcomes: emptyOutcomes(), nodes: {}, histogram: newHistogram() };
      this.seconds[second] = bucket;
    }
    const micros = Math.max(1, Math.round(r.latencyMs * 1000));
    this.requests++;
    bucket.requests++;
    this.outcomes[r.outcome]++;
    bucket.outcomes[r.outcome]++;
    // A timed-out request counts at the time its user waited (as k6 does), so a stall shows in
    // p99; a connection error has no latency worth the name.
    if (r.status !== 0 || r.failure === 'timeout') {
      this.total.recordValue(micros);
      bucket.histogram.recordValue(micros);
      if (r.serviceMs !== undefined) this.service.recordValue(Math.max(1, Math.round(r.serviceMs * 1000)));
    }
    if (r.outcome === 'error') {
      this.errors++;
      bucket.errors++;
      if (r.failure === 'timeout') this.timeouts++;
      else if (r.failure === 'connection') this.connectionErrors++;
      else if (r.status < 200 || r.status >= 300) this.non2xx++;
    } else if (anomalySet.has(r.outcome)) {
      bucket.anomalies++;
    }
    if (r.node) {
      this.nodesServed[r.node] = (this.nodesServed[r.node] ?? 0) + 1;
      bucket.nodes[r.node] = (bucket.nodes[r.node] ?? 0) + 1;
    }
    if (r.outcome !== 'ok' && this.samples.length < MAX_SAMPLES) {
      this.samples.push({
        t: Math.round(r.t),
        user: r.user,
        outcome: r.outcome,
        expected: r.expected,
        got: r.got,
        node: r.node,
        status: r.status,
        ...(r.failure ? { detail: r.failure } : r.detail ? { detail: r.detail.slice(0, 300) } : r.warnings?.length ? { detail: r.warnings.join(' | ').slice(0, 300) } : {}),
      });
    }
  }

  /** Anomalous answers so far (reset + stale + ahead + unsaved + leak). */
  get anomalies(): number {
    return anomalyCount(this.outcomes);
  }

  bucket(second: number): { requests: number; errors: number; anomalies: number; p99: number } | null {
    const b = this.seconds[second];
    if (!b) return null;
    return { requests: b.requests, errors: b.errors, anomalies: b.anomalies, p99: b.histogram.getValueAtPercentile(99) / 1000 };
  }

  timeline(durationMs: number): TimelinePoint[] {
    const seconds = Math.max(this.seconds.length, Math.ceil(durationMs / 1000));
    const points: TimelinePoint[] = [];
    for (let t = 0; t < seconds; t++) {
      const b = this.seconds[t];
      points.push(
        b
          ? {
              t,
              requests: b.requests,
              errors: b.errors,
              anomalies: b.anomalies,
              p50: round3(b.histogram.getValueAtPercentile(50) / 1000),
              p99: round3(b.histogram.getValueAtPercentile(99) / 1000),
              outcomes: b.outcomes,
              nodes: b.nodes,
            }
          : { t, requests: 0, errors: 0, anomalies: 0, p50: 0, p99: 0, outcomes: emptyOutcomes(), nodes: {} },
      );
    }
    return points;
  }

  latencySummary(h: Histogram = this.total): LatencySummary {
    if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    const at = (p: number) => round3(h.getValueAtPercentile(p) / 1000);
    return {
      min: round3(h.minNonZeroValue / 1000),
      mean: round3(h.mean / 1000),
      p50: at(50),
      p90: at(90),
      p95: at(95),
      p99: at(99),
      p999: at(99.9),
      max: round3(h.maxValue / 1000),
    };
  }

  /** HDR-style percentile spectrum: 0, 50, 75, 87.5, ... up to 99.999 and 100. */
  percentileSpectrum(): Array<{ percentile: number; ms: number }> {
    const h = this.total;
    if (h.totalCount === 0) return [];
    const out: Array<{ percentile: number; ms: number }> = [];
    for (let i = 0; i <= 17; i++) {
      const p = 100 - 100 / 2 ** i;
      out.push({ percentile: round3(p), ms: round3(h.getValueAtPercentile(p) / 1000) });
    }
    out.push({ percentile: 100, ms: round3(h.maxValue / 1000) });
    return out;
  }

  /** Percentiles over a window of seconds [fromS, toS) (for latency steps). */
  windowStats(fromS: number, toS: number): { requests: number; errors: number; anomalies: number; p50: number; p99: number } {
    const h = newHistogram();
    let requests = 0;
    let errors = 0;
    let anomalies = 0;
    for (let t = Math.max(0, fromS); t < Math.min(toS, this.seconds.length); t++) {
      const b = this.seconds[t];
      if (!b) continue;
      h.add(b.histogram);
      requests += b.requests;
      errors += b.errors;
      anomalies += b.anomalies;
    }
    return {
      requests,
      errors,
      anomalies,
      p50: h.totalCount ? round3(h.getValueAtPercentile(50) / 1000) : 0,
      p99: h.totalCount ? round3(h.getValueAtPercentile(99) / 1000) : 0,
    };
  }
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
