/**
 * The environment guards of each run (result.guards, harness/guards/): a marker on the
 * timeline charts where a guard fired, and a table of every guard: status, threshold, what
 * its samples showed, when it fired, the cause and the fix.
 */
import type { GuardReport, RunResult } from '../results/result-schema.js';
import { fmtNum, fmtSeconds } from './format.js';
import { escapeHtml } from './html-escape.js';
import { markup, seriesHeader, table, type Cell } from './html-table.js';
import type { SeriesStyle } from './series-style.js';

export interface GuardMarker {
  /** Seconds since the workload started (a guard that fired before the run is drawn at 0). */
  atS: number;
  label: string;
  /** The run's color. */
  color: string;
}

const firedAt = (g: GuardReport): string =>
  g.firedAtMs === null ? '—' : g.firedAtMs < 0 ? `before the run (${fmtSeconds(-g.firedAtMs)} before the load)` : fmtSeconds(g.firedAtMs);

export function guardMarkers(results: readonly RunResult[], styles: readonly SeriesStyle[]): GuardMarker[] {
  return results.flatMap((r, i) =>
    (r.guards?.guards ?? [])
      .filter((g) => g.status === 'fired' && g.firedAtMs !== null)
      .map((g) => ({
        atS: Math.max(0, g.firedAtMs! / 1000),
        label: `${g.name} fired${results.length > 1 ? ` (${styles[i]!.label})` : ''}${g.firedAtMs! < 0 ? ' before the run' : ''}`,
        color: styles[i]!.color,
      })),
  );
}

/** Under the timeline's fault legend: which guard fired when (drawn as red markers). */
export function guardLegend(results: readonly RunResult[], styles: readonly SeriesStyle[]): string {
  const markers = guardMarkers(results, styles);
  if (markers.length === 0) return '';
  const items = markers.map((m) => `<span><span class="band" style="background:#b91c1c"></span>${escapeHtml(m.label)} <span class="muted">at ${escapeHtml(fmtSeconds(m.atS * 1000))}</span></span>`);
  return `<div class="fault-legend"><strong>Environment guards fired (red markers: the machine spoiled the run from there):</strong> ${items.join('')}</div>`;
}

function summaryText(g: GuardReport): string {
  return Object.entries(g.summary)
    .map(([k, v]) => `${k} ${v === null ? '—' : typeof v === 'number' ? fmtNum(v, 3) : String(v)}`)
    .join(' · ');
}

const statusBadge = (g: GuardReport): Cell => {
  const cls = g.status === 'ok' ? 'pass' : g.status === 'fired' ? 'fail' : 'unknown';
  return { value: markup(`<span class="badge ${cls}">${escapeHtml(g.status === 'not-available' ? 'not available' : g.status)}</span>`), ...(g.status === 'fired' ? { cls: 'bad' } : {}) };
};

export function guardsTable(results: readonly RunResult[], styles: readonly SeriesStyle[]): string {
  const rows: Cell[][] = [];
  results.forEach((r, i) => {
    for (const g of r.guards?.guards ?? []) {
      rows.push([
        seriesHeader(styles[i]!.label, styles[i]!.color),
        g.name,
        statusBadge(g),
        firedAt(g),
        g.status === 'fired' ? `${g.cause ?? ''}` : g.status === 'not-available' ? (g.reason ?? '') : summaryText(g),
        g.fix ?? '—',
        g.threshold,
      ]);
    }
  });
  if (rows.length === 0) return '<p class="muted">These results carry no environment guards (written before they existed).</p>';
  return table(['result', 'guard', 'status', 'fired at', 'samples showed / cause / why not available', 'fix', 'threshold'], rows);
}
