/**
 * The evidence lane (issue 14): for each result with an `evidence` section, its components' log
 * events per second as stacked bars, one series per kind, on the timeline charts' time axis
 * (same x, same fault bands). Kinds are sorted by how often they occur; past MAX_KIND_SERIES
 * the rest are summed as "other kinds".
 *
 * Stacking is done here, not in the browser: uPlot draws series in order, so series i carries
 * the sum of its own count and every series after it (the first series is the whole bar, each
 * next one is drawn over its lower part) and `legend` carries its own count for the legend.
 */
import type { EvidenceSection } from '../evidence/evidence-section.js';
import { evidenceKinds, type EvidenceKind } from '../evidence/evidence-types.js';
import type { RunResult } from '../results/result-schema.js';
import { timeAxisEnd, type ChartSeries, type ChartSpec } from './chart-data.js';
import { fmtInt } from './format.js';
import type { SeriesStyle } from './series-style.js';

/** Series per lane at most; the rest become one "other kinds" series. */
export const MAX_KIND_SERIES = 8;

/**
 * Distinct colors handed out by how often a kind occurs across every lane of the report: the
 * frequent kinds never share a hue, and a kind has the same color in every lane.
 */
const palette = ['#dc2626', '#2563eb', '#d97706', '#7c3aed', '#059669', '#db2777', '#0891b2', '#65a30d', '#9a3412', '#4f46e5', '#ca8a04', '#be123c'];
/** `other` (lines no rule knows) and the summed rest: greys, they explain least. */
const unclassifiedColor = '#64748b';
const restColor = '#94a3b8';

export interface EvidenceLane {
  /** Index of the result in the report. */
  index: number;
  title: string;
  /** What the lane shows, in words (totals, kinds summed, events off the axis). */
  note: string;
  /** null when no event falls on the time axis: the page says so instead of drawing an empty chart. */
  spec: ChartSpec | null;
}

interface KindGroup {
  label: string;
  color: string;
  kinds: EvidenceKind[];
}

const kindOrder = (k: EvidenceKind) => evidenceKinds.indexOf(k);
const byTotal = (totals: Map<EvidenceKind, number>) => (a: EvidenceKind, b: EvidenceKind) => totals.get(b)! - totals.get(a)! || kindOrder(a) - kindOrder(b);

/** Events per kind at seconds 0..xLength-1. */
function countsOnAxis(evidence: EvidenceSection, xLength: number): { byKind: Map<EvidenceKind, number[]>; totals: Map<EvidenceKind, number>; outside: number } {
  const byKind = new Map<EvidenceKind, number[]>();
  const totals = new Map<EvidenceKind, number>();
  let outside = 0;
  for (const second of evidence.perSecond) {
    for (const [k, n] of Object.entries(second.counts) as [EvidenceKind, number][]) {
      if (!n) continue;
      if (second.t < 0 || second.t >= xLength) {
        outside += n;
        continue;
      }
      let row = byKind.get(k);
      if (!row) byKind.set(k, (row = new Array<number>(xLength).fill(0)));
      row[second.t]! += n;
      totals.set(k, (totals.get(k) ?? 0) + n);
    }
  }
  return { byKind, totals, outside };
}

/** A color per kind, by its total over all lanes. */
function kindColors(lanesTotals: readonly Map<EvidenceKind, number>[]): Map<EvidenceKind, string> {
  const all = new Map<EvidenceKind, number>();
  for (const totals of lanesTotals) for (const [k, n] of totals) all.set(k, (all.get(k) ?? 0) + n);
  const named = [...all.keys()].filter((k) => k !== 'other').sort(byTotal(all));
  return new Map<EvidenceKind, string>([...named.map((k, i): [EvidenceKind, string] => [k, palette[i % palette.length]!]), ['other', unclassifiedColor]]);
}

/** The lane's series, most frequent first; `other` (lines no rule knows) always last: it explains least. */
function kindGroups(totals: Map<EvidenceKind, number>, colors: Map<EvidenceKind, string>): KindGroup[] {
  const present = [...totals.keys()];
  const named = present.filter((k) => k !== 'other').sort(byTotal(totals));
  const own = (k: EvidenceKind): KindGroup => ({ label: k === 'other' ? 'other (unclassified lines)' : k, color: colors.get(k) ?? restColor, kinds: [k] });
  if (present.length <= MAX_KIND_SERIES) return [...named.map(own), ...(totals.has('other') ? [own('other')] : [])];
  const rest = [...named.slice(MAX_KIND_SERIES - 1), ...(totals.has('other') ? (['other'] as const) : [])];
  return [...named.slice(0, MAX_KIND_SERIES - 1).map(own), { label: `other kinds (${rest.length})`, color: restColor, kinds: rest }];
}

export interface LaneAxis {
  /** The timeline charts' axis end, seconds: x = 0..ceil(axisEnd), as theirs. */
  axisEnd: number;
  /** The result's own end, seconds: its values are null past it. */
  ownEnd: number;
}

/** One result's lane; `colors` from kindColors over every lane (so a kind looks the same in each). */
export function evidenceLane(evidence: EvidenceSection, axis: LaneAxis, index: number, title: string, colors: Map<EvidenceKind, string>): EvidenceLane {
  const xLength = Math.ceil(axis.axisEnd) + 1;
  const x = Array.from({ length: xLength }, (_, i) => i);
  const { byKind, totals, outside } = countsOnAxis(evidence, xLength);
  const drawn = [...totals.values()].reduce((a, n) => a + n, 0);
  const offAxis = outside ? `; ${fmtInt(outside)} before the load or after the axis's end (final reads) not drawn` : '';
  if (drawn === 0) return { index, title, note: `No log event on the time axis${offAxis}.`, spec: null };

  const groups = kindGroups(totals, colors);
  const inRun = (t: number) => t <= axis.ownEnd;
  const counts = groups.map((g) => x.map((t) => (inRun(t) ? g.kinds.reduce((a, k) => a + (byKind.get(k)?.[t] ?? 0), 0) : null)));
  // Cumulative from the last series (bottom of the stack) up to the first (the whole bar).
  const stacked = counts.map(() => new Array<number | null>(xLength).fill(null));
  for (let i = groups.length - 1; i >= 0; i--) {
    stacked[i] = counts[i]!.map((v, t) => (v === null ? null : v + (stacked[i + 1]?.[t] ?? 0)));
  }
  const series: ChartSeries[] = groups.map((g, i) => ({ label: g.label, color: g.color, values: stacked[i]!, legend: counts[i]!, bars: true, align: 0 }));
  const summed = groups.length < totals.size ? `; the ${MAX_KIND_SERIES - 1} most frequent drawn, ${totals.size - (MAX_KIND_SERIES - 1)} more summed as "other kinds"` : '';
  const note = `Stacked, per second: ${fmtInt(drawn)} events of ${totals.size} ${totals.size === 1 ? 'kind' : 'kinds'}${summed}${offAxis}.`;
  return {
    index,
    title,
    note,
    spec: { id: `evidence-${index}`, kind: 'time', yLabel: 'log events / s', x, series, xMax: axis.axisEnd, bands: true, height: 200 },
  };
}

/** One lane per result carrying `evidence`, on the axis the timeline charts share. */
export function buildEvidenceLanes(results: readonly RunResult[], styles: readonly SeriesStyle[]): EvidenceLane[] {
  const axisEnd = timeAxisEnd(results);
  const withEvidence = results.flatMap((r, i) => (r.evidence ? [{ r, i, evidence: r.evidence }] : []));
  const colors = kindColors(withEvidence.map(({ evidence }) => countsOnAxis(evidence, Math.ceil(axisEnd) + 1).totals));
  return withEvidence.map(({ r, i, evidence }) => {
    const title = `Log events per second, by kind${results.length > 1 ? ` — ${styles[i]!.label}` : ''}`;
    return evidenceLane(evidence, { axisEnd, ownEnd: timeAxisEnd([r]) }, i, title, colors);
  });
}
