/**
 * Numbers beside the timeline charts: per run, the seconds before the first fault, inside
 * each fault window and after the last heal (req/s, latency, errors, anomalies).
 */
import type { RunResult, TimelinePoint } from '../results/result-schema.js';
import type { FaultBand } from './fault-bands.js';
import { fmtInt, fmtMs, fmtNum } from './format.js';
import { seriesHeader, table, type Cell } from './html-table.js';
import type { SeriesStyle } from './series-style.js';

interface Phase {
  name: string;
  from: number;
  to: number;
}

function phases(bands: readonly FaultBand[], endS: number): Phase[] {
  if (bands.length === 0) return [{ name: 'whole run', from: 0, to: endS }];
  const first = Math.min(...bands.map((b) => b.startS));
  const last = Math.max(...bands.map((b) => b.endS));
  return [
    { name: 'before faults', from: 0, to: first },
    ...bands.map((b) => ({ name: `during ${b.label}`, from: b.startS, to: b.endS })),
    { name: 'after last heal', from: last, to: endS },
  ];
}

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};

/** Second t covers [t, t+1): a band from 20.003 s to 40.011 s owns seconds 20..39; any band owns at least one. */
const inPhase = (p: TimelinePoint, ph: Phase) => p.t >= Math.floor(ph.from) && p.t < Math.max(Math.floor(ph.to), Math.floor(ph.from) + 1);

export function phaseTable(results: readonly RunResult[], styles: readonly SeriesStyle[], bands: readonly FaultBand[]): string {
  const rows: Cell[][] = [];
  results.forEach((r, i) => {
    for (const ph of phases(bands, r.durationMs / 1000)) {
      const pts = r.timeline.filter((p) => inPhase(p, ph));
      if (pts.length === 0) continue;
      const sum = (f: (p: TimelinePoint) => number) => pts.reduce((a, p) => a + f(p), 0);
      const errors = sum((p) => p.errors);
      const anomalies = sum((p) => p.anomalies);
      rows.push([
        { value: seriesHeader(styles[i]!.label, styles[i]!.color), cls: 'txt' },
        { value: ph.name, cls: 'txt' },
        { value: `${fmtNum(ph.from, 1)}–${fmtNum(ph.to, 1)} s`, cls: 'txt' },
        fmtInt(sum((p) => p.requests) / pts.length),
        fmtMs(median(pts.map((p) => p.p50))),
        fmtMs(Math.max(...pts.map((p) => p.p99))),
        errors > 0 ? { value: fmtInt(errors), cls: 'bad' } : '0',
        anomalies > 0 ? { value: fmtInt(anomalies), cls: 'bad' } : '0',
      ]);
    }
  });
  if (rows.length === 0) return '';
  return table(['run', 'phase', 'seconds', 'req/s (mean)', 'p50 (median s)', 'p99 (worst s)', 'errors', 'anomalies'], rows, { cls: 'numeric compact phases' });
}
