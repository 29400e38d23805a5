/** Tables beside the charts and the run's context: percentiles, nodes, faults, anomalies, scenario, environment. */
import type { RunResult } from '../results/result-schema.js';
import { nodeNames } from './chart-data.js';
import { faultLabel } from './fault-bands.js';
import { fmtInt, fmtMs, fmtNum, fmtPercentile, fmtRate, fmtSeconds } from './format.js';
import { escapeHtml } from './html-escape.js';
import { markup, seriesHeader, table, type Cell } from './html-table.js';
import type { SeriesStyle } from './series-style.js';

type Styles = readonly SeriesStyle[];

/** A chart placeholder the client script fills; the title is the figure's caption. */
export function figure(id: string, title: string, note = ''): string {
  const noteHtml = note ? `<p class="chart-note">${escapeHtml(note)}</p>` : '';
  return `<figure class="chart"><figcaption>${escapeHtml(title)}</figcaption><div class="chart-canvas" data-chart="${escapeHtml(id)}"></div>${noteHtml}</figure>`;
}

export function percentileTable(results: readonly RunResult[], styles: Styles): string {
  const ps = [...new Set(results.flatMap((r) => r.latencyPercentiles.map((q) => q.percentile)))].sort((a, b) => a - b);
  const rows: Cell[][] = ps.map((p) => [
    p === 100 ? 'max (p100)' : fmtPercentile(p),
    ...results.map((r) => fmtMs(r.latencyPercentiles.find((q) => q.percentile === p)?.ms)),
  ]);
  return table(['percentile', ...results.map((_, i) => seriesHeader(styles[i]!.label, styles[i]!.color))], rows, { cls: 'numeric compact', rowHeaders: true });
}

export function nodesTable(r: RunResult): string {
  const names = nodeNames(r);
  const total = names.reduce((a, n) => a + (r.nodesServed[n] ?? 0), 0);
  const rows: Cell[][] = names.map((n) => [n, fmtInt(r.nodesServed[n] ?? 0), fmtRate(total > 0 ? (r.nodesServed[n] ?? 0) / total : null)]);
  return table(['node', 'answers', 'share'], rows, { cls: 'numeric compact', rowHeaders: true });
}

const compactJson = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v));

export function faultsTable(results: readonly RunResult[], styles: Styles): string {
  const rows: Cell[][] = [];
  results.forEach((r, i) => {
    for (const f of r.faults) {
      const failed = f.status === 'apply-failed';
      const healed = failed ? '—' : f.endMs >= r.durationMs - 1 ? 'not healed (run end)' : fmtSeconds(f.endMs);
      const status: Cell = f.status === 'applied' ? 'applied' : { value: `${f.status}: ${f.error ?? ''}`, cls: 'bad' };
      rows.push([
        seriesHeader(styles[i]!.label, styles[i]!.color),
        faultLabel(f),
        f.type,
        f.target,
        fmtSeconds(f.startMs),
        status,
        healed,
        failed ? 'never took effect' : fmtSeconds(f.endMs - f.startMs),
        compactJson(f.params),
        f.observed ? Object.entries(f.observed).map(([k, v]) => `${k} ${typeof v === 'number' ? fmtInt(v) : v}`).join(' · ') : '—',
      ]);
    }
  });
  if (rows.length === 0) return '<p class="muted">No faults were injected in these runs.</p>';
  return table(['result', 'fault', 'type', 'target', 'start', 'status', 'heal', 'lasted', 'params', 'observed while it held'], rows);
}

export function anomalySamples(results: readonly RunResult[], styles: Styles): string {
  const parts = results.map((r, i) => {
    if (r.anomalySamples.length === 0) return '';
    const rows: Cell[][] = r.anomalySamples.map((s) => [
      fmtSeconds(s.t),
      s.user,
      { value: s.outcome, cls: `outcome-${s.outcome}` },
      String(s.expected),
      s.got === null ? '—' : String(s.got),
      s.node ?? '—',
      String(s.status),
      s.detail ?? '',
    ]);
    return `<h3>${seriesHeader(styles[i]!.label, styles[i]!.color).html} <small>${r.anomalySamples.length} example${r.anomalySamples.length === 1 ? '' : 's'}</small></h3>${table(['t', 'user', 'outcome', 'expected', 'got', 'node', 'status', 'detail'], rows, { cls: 'compact scroll' })}`;
  });
  const html = parts.join('');
  return html || '<p class="muted">No anomalous answers were recorded.</p>';
}

export function scenarioSection(results: readonly RunResult[], styles: Styles): string {
  return results
    .map((r, i) => {
      const desc = r.description ? `<p>${escapeHtml(r.description)}</p>` : '';
      return `<div class="scenario"><h3>${seriesHeader(styles[i]!.label, styles[i]!.color).html} <small>${escapeHtml(r.scenario)} · seed ${escapeHtml(r.seed)}</small></h3>${desc}<pre class="code">${escapeHtml(JSON.stringify(r.scenarioConfig, null, 2))}</pre></div>`;
    })
    .join('');
}

const envRows: [string, (r: RunResult) => string][] = [
  ['started at', (r) => r.startedAt],
  ['run id', (r) => r.runId],
  ['provider', (r) => r.provider],
  ['balancer', (r) => r.balancer],
  ['nodes', (r) => String(r.nodes)],
  ['workload duration', (r) => fmtSeconds(r.durationMs)],
  ['stack start / stop', (r) => `${fmtSeconds(r.timing.stackStartMs)} / ${fmtSeconds(r.timing.stackStopMs)}`],
  ['PHP', (r) => r.env.php ?? '—'],
  ['nginx', (r) => r.env.nginx ?? '—'],
  ['HAProxy', (r) => r.env.haproxy ?? '—'],
  ['Redis', (r) => r.env.redis ?? '—'],
  ['phpredis', (r) => r.env.phpredis ?? '—'],
  ['igbinary', (r) => r.env.igbinary ?? '—'],
  ['msgpack', (r) => r.env.msgpack ?? '—'],
  ['Node.js', (r) => r.env.node],
  ['OS', (r) => r.env.os ?? '—'],
  ['kernel', (r) => r.env.kernel ?? '—'],
  ['CPU', (r) => (r.env.cpus ? `${r.env.cpus} × ${r.env.cpuModel ?? 'cores'}` : (r.env.cpuModel ?? '—'))],
  ['memory', (r) => (r.env.memoryGiB ? `${fmtNum(r.env.memoryGiB)} GiB` : '—')],
  ['host', (r) => r.env.hostname ?? '—'],
];

export function environmentTable(results: readonly RunResult[], styles: Styles): string {
  const rows: Cell[][] = envRows.map(([label, f]) => [label, ...results.map((r) => f(r))]);
  return table(['', ...results.map((_, i) => seriesHeader(styles[i]!.label, styles[i]!.color))], rows, { rowHeaders: true, cls: 'env' });
}

export function balancerRetrySection(results: readonly RunResult[], styles: Styles): string {
  const rows: Cell[][] = results.map((r, i) => [
    seriesHeader(styles[i]!.label, styles[i]!.color),
    r.balancerRetry.balancer,
    r.balancerRetry.summary,
    markup(`<code>${r.balancerRetry.directives.map(escapeHtml).join('<br>')}</code>`),
    r.balancerRetry.retriesGetOnOtherNode ? 'yes' : 'no',
    fmtMs(r.balancerRetry.connectTimeoutMs),
  ]);
  return table(['result', 'balancer', 'what happens to a failed request', 'directives', 'GET retried elsewhere', 'connect timeout'], rows);
}
