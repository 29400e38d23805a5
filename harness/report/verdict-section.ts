/** The verdict table: one column per result, the numbers a reader compares first. */
import { anomalyCount, type RunResult } from '../results/result-schema.js';
import { fmtInt, fmtMs, fmtRate, fmtSeconds } from './format.js';
import { escapeHtml } from './html-escape.js';
import { markup, seriesHeader, table, type Cell, type Markup } from './html-table.js';
import type { SeriesStyle } from './series-style.js';

const anomalies = (r: RunResult) => anomalyCount(r.outcomes);
const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

function badIf(cond: boolean, value: string): Cell {
  return cond ? { value, cls: 'bad' } : value;
}

function verdictCell(r: RunResult): Cell {
  const status = r.verdict?.status;
  if (!status) return '—';
  const badge = status === 'passed' ? 'pass' : status === 'unknown' ? 'unknown' : 'fail';
  const reasons = r.verdict!.reasons.map((x) => `<br><small>${escapeHtml(x)}</small>`).join('');
  return { value: markup(`<span class="badge ${badge}">${status.toUpperCase()}</span>${reasons}`), cls: status === 'passed' ? undefined : 'bad' };
}

function thresholdSummary(r: RunResult): Cell {
  if (!r.thresholds || r.thresholds.results.length === 0) return '—';
  const res = r.thresholds.results;
  const passed = res.filter((t) => t.passed === true).length;
  const failed = res.filter((t) => t.passed === false).length;
  const unknown = res.filter((t) => t.passed === null).length;
  const overall = r.thresholds.passed;
  const badge = overall === true ? 'pass' : overall === false ? 'fail' : 'unknown';
  const text = `<span class="badge ${badge}">${badge.toUpperCase()}</span> ${passed} passed · ${failed} failed · ${unknown} unknown`;
  return { value: markup(text), cls: failed > 0 ? 'bad' : undefined };
}

function recoveryCell(r: RunResult, fault: string): Cell {
  const rec = r.recovery?.find((x) => x.fault === fault);
  if (!rec) return '—';
  const start = rec.fromStartMs === null ? 'not recovered' : fmtSeconds(rec.fromStartMs);
  // A fault never healed within the run (node-kill without restoreAt) has no "after heal".
  const window = r.faults.find((f) => (f.label ?? `${f.type} ${f.target}`) === rec.fault);
  const healed = window ? window.endMs < r.durationMs : rec.fromHealMs !== null;
  if (!healed) return { value: start, cls: rec.fromStartMs === null ? 'bad' : undefined, title: 'the fault lasted until the end of the run' };
  if (rec.fromStartMs === null && rec.fromHealMs === null) return { value: 'not recovered', cls: 'bad', title: 'no 3 clean seconds in a row before the run ended' };
  const heal = rec.fromHealMs === null ? 'not recovered' : fmtSeconds(rec.fromHealMs);
  return { value: markup(`${escapeHtml(start)} <small>after heal: ${escapeHtml(heal)}</small>`), cls: rec.fromHealMs === null ? 'bad' : undefined };
}

export function verdictSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): string {
  const head: Cell[] = ['', ...results.map((r, i) => seriesHeader(styles[i]!.label, styles[i]!.color, `${r.scenario} · ${r.nodes} nodes · ${r.balancer}`))];
  const group = (title: string, sup = ''): Cell[] => [{ value: markup(`${escapeHtml(title)}${sup ? ` <sup>${sup}</sup>` : ''}`), cls: 'group' }, ...results.map(() => ({ value: '', cls: 'group' }))];
  const row = (label: string | Markup, f: (r: RunResult) => Cell, title?: string): Cell[] => [title ? { value: label, title } : label, ...results.map(f)];

  const faults = [...new Set(results.flatMap((r) => (r.recovery ?? []).map((x) => x.fault)))];
  const rows: Cell[][] = [
    group('Sessions (users)'),
    row('users judged', (r) => fmtInt(r.sessions.users - r.sessions.unserved - r.sessions.unknown), 'users whose token was stored and whose final read answered'),
    row(markup('intact <sup>1</sup>'), (r) => fmtInt(r.sessions.intact)),
    row(markup('recovered <sup>1</sup>'), (r) => fmtInt(r.sessions.recovered)),
    row(markup('lost <sup>1</sup>'), (r) => badIf(r.sessions.lost > 0, fmtInt(r.sessions.lost))),
    row('unknown (final read failed)', (r) => badIf(r.sessions.unknown > 0, fmtInt(r.sessions.unknown))),
    row('unserved (token never stored)', (r) => badIf(r.sessions.unserved > 0, fmtInt(r.sessions.unserved))),
    row('loss rate', (r) => badIf(r.sessions.lossRate > 0, fmtRate(r.sessions.lossRate))),
    group('Answers'),
    row('requests', (r) => fmtInt(r.requests.total)),
    row('throughput', (r) => `${fmtInt(r.requests.rps)} req/s`),
    row(markup('availability <sup>2</sup>'), (r) => {
      const a = ratio(r.requests.total - r.requests.errors, r.requests.total);
      return badIf(a !== null && a < 0.999, fmtRate(a));
    }),
    row(markup('error rate <sup>3</sup>'), (r) => badIf(r.requests.errors > 0, fmtRate(ratio(r.requests.errors, r.requests.total)))),
    row(markup('anomaly rate <sup>3</sup>'), (r) => badIf(anomalies(r) > 0, fmtRate(ratio(anomalies(r), r.requests.total)))),
    row('ok / reset / stale / ahead', (r) => `${fmtInt(r.outcomes.ok)} / ${fmtInt(r.outcomes.reset)} / ${fmtInt(r.outcomes.stale)} / ${fmtInt(r.outcomes.ahead)}`),
    row('unsaved (200, session not started or not written)', (r) => badIf(r.outcomes.unsaved > 0, fmtInt(r.outcomes.unsaved))),
    row('error / leak', (r) => badIf(r.outcomes.leak > 0, `${fmtInt(r.outcomes.error)} / ${fmtInt(r.outcomes.leak)}`)),
    group('Latency'),
    row('p50', (r) => fmtMs(r.latencyMs.p50)),
    row('p95', (r) => fmtMs(r.latencyMs.p95)),
    row('p99', (r) => fmtMs(r.latencyMs.p99)),
    row('max', (r) => fmtMs(r.latencyMs.max)),
  ];
  if (results.some((r) => r.workload?.model === 'open')) {
    // The open model's two views side by side: from the intended start (what a user arriving
    // on the schedule waited) and from the actual send (what the stack took).
    const open = (f: (w: Extract<NonNullable<RunResult['workload']>, { model: 'open' }>, r: RunResult) => Cell) => (r: RunResult) =>
      r.workload?.model === 'open' ? f(r.workload, r) : '—';
    rows.push(
      row('p50 / p99 service time', open((_, r) => (r.serviceTimeMs ? `${fmtMs(r.serviceTimeMs.p50)} / ${fmtMs(r.serviceTimeMs.p99)}` : '—')), 'open model: from each actual send; the rows above are from each intended start'),
      row('arrival rate intended / achieved', open((w) => `${fmtInt(w.targetRate)} / ${fmtInt(w.achievedRate)} req/s`)),
      row('dropped starts', open((w) => badIf(w.dropped > 0, `${fmtInt(w.dropped)} of ${fmtInt(w.intended)}`)), 'starts the open model could not make on time (k6: dropped_iterations)'),
    );
  }
  if (faults.length) {
    rows.push(group('Recovery time', '4'));
    for (const f of faults) rows.push(row(`after ${f}`, (r) => recoveryCell(r, f)));
  }
  if (results.some((r) => r.thresholds && r.thresholds.results.length > 0)) {
    rows.push(group('Thresholds and checks'), row('thresholds', thresholdSummary));
  }
  if (results.some((r) => r.verdict)) rows.push(row('verdict', verdictCell));
  return table(head, rows, { cls: 'verdict', rowHeaders: true });
}

export function thresholdDetails(results: readonly RunResult[], styles: readonly SeriesStyle[]): string {
  const rows: Cell[][] = [];
  results.forEach((r, i) => {
    for (const t of r.thresholds?.results ?? []) {
      const verdict = t.passed === true ? 'passed' : t.passed === false ? 'failed' : 'unknown';
      rows.push([
        seriesHeader(styles[i]!.label, styles[i]!.color),
        t.metric,
        t.expression,
        t.actual === null ? '—' : String(t.actual),
        { value: markup(`<span class="badge ${verdict === 'passed' ? 'pass' : verdict === 'failed' ? 'fail' : 'unknown'}">${verdict}</span>`) },
        t.source ?? '—',
        t.message ?? '',
      ]);
    }
  });
  if (rows.length === 0) return '';
  return table(['result', 'metric', 'expression', 'actual', 'verdict', 'source', 'message'], rows);
}
