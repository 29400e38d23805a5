/**
 * Chart specifications embedded in the page as JSON: plain data (x, series, colors) that the
 * client script hands to uPlot. All derived numbers are computed here, none in the browser.
 */
import type { RunResult, TimelinePoint } from '../results/result-schema.js';
import type { SerializationRow } from '../serialization/serialization-section.js';
import { nodeColors, type SeriesStyle } from './series-style.js';

export type ChartKind = 'time' | 'spectrum' | 'category';

export interface ChartSeries {
  label: string;
  color: string;
  values: (number | null)[];
  dash?: number[];
  bars?: boolean;
  /** -1 left / 1 right of the category: grouped bars. */
  align?: -1 | 0 | 1;
  /** Draw points on the line (few x values). */
  points?: boolean;
  /** What the legend shows per x when `values` are drawn stacked (cumulative): the series' own counts. */
  legend?: (number | null)[];
}

export interface ChartSpec {
  id: string;
  kind: ChartKind;
  yLabel: string;
  x: number[];
  xLabels?: string[];
  /** Legend name of the x value (category charts). */
  xName?: string;
  series: ChartSeries[];
  /** Right end of the x axis (time charts: the run's end, so fault bands and short runs fit). */
  xMax?: number;
  /** Shade fault windows (time charts). */
  bands?: boolean;
  logY?: boolean;
  height: number;
}

/** Seconds shown on time axes: the longest run, or its last point or fault if later. */
export function timeAxisEnd(results: readonly RunResult[]): number {
  return Math.max(1, ...results.map((r) => r.durationMs / 1000), ...results.flatMap((r) => r.timeline.map((p) => p.t)));
}

/** Runs with a handful of points are drawn with dots: a lone second is no line. */
const sparse = (values: (number | null)[]) => values.filter((v) => v !== null).length <= 3;

/** One value per second 0..maxT for every result (null where a run has no point). */
function perSecond(results: readonly RunResult[], pick: (p: TimelinePoint) => number): { x: number[]; values: (number | null)[][] } {
  // x runs to the axis end even where no run has points: a lone point still gets a real axis.
  const x = Array.from({ length: Math.ceil(timeAxisEnd(results)) + 1 }, (_, i) => i);
  const values = results.map((r) => {
    const row: (number | null)[] = new Array(x.length).fill(null);
    for (const p of r.timeline) row[p.t] = pick(p);
    return row;
  });
  return { x, values };
}

export const timelineCharts: { id: string; title: string; yLabel: string; pick: (p: TimelinePoint) => number }[] = [
  { id: 'rps', title: 'Throughput', yLabel: 'requests / s', pick: (p) => p.requests },
  { id: 'p50', title: 'Latency p50', yLabel: 'p50 ms', pick: (p) => p.p50 },
  { id: 'p99', title: 'Latency p99', yLabel: 'p99 ms', pick: (p) => p.p99 },
  { id: 'errors', title: 'Errors', yLabel: 'errors / s', pick: (p) => p.errors },
  { id: 'anomalies', title: 'Session anomalies', yLabel: 'anomalies / s', pick: (p) => p.anomalies },
];

export function buildTimelineCharts(results: readonly RunResult[], styles: readonly SeriesStyle[]): ChartSpec[] {
  return timelineCharts.map(({ id, yLabel, pick }) => {
    const { x, values } = perSecond(results, pick);
    return {
      id: `timeline-${id}`,
      kind: 'time',
      yLabel,
      x,
      series: values.map((v, i) => ({ label: styles[i]!.label, color: styles[i]!.color, values: v, points: sparse(v) })),
      xMax: timeAxisEnd(results),
      bands: true,
      height: 230,
    };
  });
}

/** HDR-style spectrum: x = 1/(1-p) on a log axis; p = 100 has no finite x and stays in the table. */
export function buildSpectrumChart(results: readonly RunResult[], styles: readonly SeriesStyle[]): ChartSpec | null {
  const toX = (p: number) => 1 / (1 - p / 100);
  const xs = [...new Set(results.flatMap((r) => r.latencyPercentiles.filter((q) => q.percentile >= 0 && q.percentile < 100).map((q) => toX(q.percentile))))].sort((a, b) => a - b);
  if (xs.length < 2) return null;
  return {
    id: 'spectrum',
    kind: 'spectrum',
    yLabel: 'latency ms (log)',
    x: xs,
    series: results.map((r, i) => {
      const byX = new Map(r.latencyPercentiles.filter((q) => q.percentile < 100).map((q) => [toX(q.percentile), Math.max(q.ms, 0.001)]));
      return { label: styles[i]!.label, color: styles[i]!.color, values: xs.map((x) => byX.get(x) ?? null), points: true };
    }),
    logY: true,
    height: 300,
  };
}

/** Node names in natural order (node-2 before node-10). */
export function nodeNames(r: RunResult): string[] {
  const names = new Set([...Object.keys(r.nodesServed), ...r.timeline.flatMap((p) => Object.keys(p.nodes))]);
  return [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function buildNodeChart(r: RunResult, index: number): ChartSpec {
  const { x } = perSecond([r], () => 0);
  const nodes = nodeNames(r);
  return {
    id: `nodes-${index}`,
    kind: 'time',
    yLabel: 'answers / s',
    x,
    series: nodes.map((node, j) => {
      const values: (number | null)[] = new Array(x.length).fill(null);
      for (const p of r.timeline) values[p.t] = p.nodes[node] ?? 0;
      return { label: node, color: nodeColors[j % nodeColors.length]!, values, points: sparse(values) };
    }),
    xMax: timeAxisEnd([r]),
    bands: true,
    height: 200,
  };
}

export function serializationLabel(row: SerializationRow, withProfile: boolean): string {
  const parts = [row.handler];
  if (row.compression !== 'none') parts.push(`+${row.compression}`);
  if (withProfile) parts.push(` (${row.profile})`);
  return parts.join('');
}

export function buildSerializationCharts(rows: SerializationRow[], index: number | string): ChartSpec[] {
  const withProfile = new Set(rows.map((r) => r.profile)).size > 1;
  const x = rows.map((_, i) => i);
  const xLabels = rows.map((r) => serializationLabel(r, withProfile));
  return [
    {
      id: `serialization-ops-${index}`,
      kind: 'category',
      yLabel: 'operations / s',
      xName: 'format',
      x,
      xLabels,
      series: [
        { label: 'encode ops/s', color: '#0f766e', values: rows.map((r) => r.encodeOpsPerSec), bars: true, align: -1 },
        { label: 'decode ops/s', color: '#7c3aed', values: rows.map((r) => r.decodeOpsPerSec), bars: true, align: 1 },
      ],
      height: 240,
    },
    {
      id: `serialization-bytes-${index}`,
      kind: 'category',
      yLabel: 'bytes per session',
      xName: 'format',
      x,
      xLabels,
      series: [{ label: 'bytes', color: '#b45309', values: rows.map((r) => r.bytes), bars: true, align: 0 }],
      height: 200,
    },
  ];
}

export function buildStepsChart(steps: { label: string; p50: number; p99: number }[], style: SeriesStyle, index: number): ChartSpec {
  const val = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    id: `steps-${index}`,
    kind: 'category',
    yLabel: 'latency ms',
    xName: 'step',
    x: steps.map((_, i) => i),
    xLabels: steps.map((s) => s.label),
    series: [
      { label: `${style.label} p50`, color: style.color, values: steps.map((s) => val(s.p50)), dash: [6, 4], points: true },
      { label: `${style.label} p99`, color: style.color, values: steps.map((s) => val(s.p99)), points: true },
    ],
    height: 220,
  };
}
