/** HTML for the sections only some results carry: steps, serialization, redis, concurrency, gate. */
import type { RunResult } from '../results/result-schema.js';
import { buildSerializationCharts, buildStepsChart, type ChartSpec } from './chart-data.js';
import { figure } from './detail-sections.js';
import { fmtBytes, fmtInt, fmtMs, fmtNum, fmtRate, fmtSeconds, isNum } from './format.js';
import { escapeHtml } from './html-escape.js';
import { markup, seriesHeader, table, type Cell } from './html-table.js';
import { readGate, readScalarFields, readSerialization, readSteps, type Scalar } from './optional-sections.js';
import type { SeriesStyle } from './series-style.js';

export interface OptionalSection {
  id: string;
  title: string;
  html: string;
  charts: ChartSpec[];
}

/** "120–180 s" for short runs, "2 min 00 s – 3 min 00 s" otherwise. */
function fmtWindow(startMs: number, endMs: number): string {
  if (endMs < 600_000) return `${fmtNum(startMs / 1000)}–${fmtNum(endMs / 1000)} s`;
  return `${fmtSeconds(startMs)} – ${fmtSeconds(endMs)}`;
}

const unreadable = (what: string) => `<p class="muted">This result has a <code>${escapeHtml(what)}</code> section, but nothing in it could be read.</p>`;

function heading(style: SeriesStyle): string {
  return `<h3>${seriesHeader(style.label, style.color).html}</h3>`;
}

function scalarCell(key: string, v: Scalar, formats: Record<string, (v: unknown) => string>): string {
  if (v === null) return '—';
  const f = formats[key];
  if (f && isNum(v)) return f(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return typeof v === 'number' ? fmtNum(v, 3) : v;
}

function fieldsTable(v: unknown, known: Record<string, [string, (v: unknown) => string]>, section: string): string {
  const fields = readScalarFields(v, Object.keys(known)) ?? [];
  if (fields.length === 0) return unreadable(section);
  const formats = Object.fromEntries(Object.entries(known).map(([k, [, f]]) => [k, f]));
  const rows: Cell[][] = fields.map(([k, val]) => [known[k]?.[0] ?? k, scalarCell(k, val, formats)]);
  return table(['', 'value'], rows, { rowHeaders: true, cls: 'numeric compact fields' });
}

const redisFields: Record<string, [string, (v: unknown) => string]> = {
  keys: ['session keys', fmtInt],
  users: ['users', fmtInt],
  ttlMinS: ['TTL min', (v) => fmtSeconds((v as number) * 1000)],
  ttlMaxS: ['TTL max', (v) => fmtSeconds((v as number) * 1000)],
  bytesPerSession: ['bytes per session', fmtBytes],
  opsPerSec: ['Redis commands / s', fmtInt],
  commandsPerRequest: ['commands per request', (v) => fmtNum(v, 2)],
};

const concurrencyFields: Record<string, [string, (v: unknown) => string]> = {
  bursts: ['bursts', fmtInt],
  burstSize: ['requests per burst', fmtInt],
  lostUpdates: ['lost updates', fmtInt],
  lostUpdateRate: ['lost update rate', fmtRate],
  lockErrors: ['lock errors', fmtInt],
  lockWaitP99Ms: ['lock wait p99', fmtMs],
};

function stepsSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const charts: ChartSpec[] = [];
  const parts: string[] = [];
  results.forEach((r, i) => {
    const steps = readSteps(r.steps);
    if (steps === null) return;
    if (steps.length === 0) return void parts.push(heading(styles[i]!) + unreadable('steps'));
    const chart = buildStepsChart(steps, styles[i]!, i);
    charts.push(chart);
    const rows: Cell[][] = steps.map((s) => [s.label, fmtWindow(s.startMs, s.endMs), fmtInt(s.requests), fmtMs(s.p50), fmtMs(s.p99), fmtInt(s.errors), fmtInt(s.anomalies)]);
    parts.push(`${heading(styles[i]!)}<div class="stack">${figure(chart.id, 'p50 (dashed) and p99 per step')}${table(['step', 'window', 'requests', 'p50', 'p99', 'errors', 'anomalies'], rows, { cls: 'numeric compact', rowHeaders: true })}</div>`);
  });
  return parts.length ? { id: 'steps', title: 'Latency steps', html: parts.join(''), charts } : null;
}

function serializationSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const charts: ChartSpec[] = [];
  const parts: string[] = [];
  results.forEach((r, i) => {
    const rows = readSerialization(r.serialization);
    if (rows === null) return;
    if (rows.length === 0) return void parts.push(heading(styles[i]!) + unreadable('serialization'));
    const [ops, bytes] = buildSerializationCharts(rows, i);
    charts.push(ops!, bytes!);
    const txt = (v: string | null): Cell => ({ value: v ?? '—', cls: 'txt' });
    const cells: Cell[][] = rows.map((x) => [x.handler ?? '—', txt(x.compression), txt(x.profile), fmtInt(x.encodeOpsPerSec), fmtInt(x.decodeOpsPerSec), fmtBytes(x.bytes)]);
    parts.push(
      `${heading(styles[i]!)}${table(['handler', 'compression', 'profile', 'encode ops/s', 'decode ops/s', 'size'], cells, { cls: 'numeric compact', rowHeaders: true })}<div class="grid2">${figure(ops!.id, 'Encode and decode operations per second (higher is better)')}${figure(bytes!.id, 'Encoded session size (smaller is better)')}</div>`,
    );
  });
  return parts.length ? { id: 'serialization', title: 'Serialization', html: parts.join(''), charts } : null;
}

function fieldsSection(results: readonly RunResult[], styles: readonly SeriesStyle[], key: 'redis' | 'concurrency', title: string, known: Record<string, [string, (v: unknown) => string]>): OptionalSection | null {
  const parts = results.flatMap((r, i) => (r[key] === undefined ? [] : [`<div class="card">${heading(styles[i]!)}${fieldsTable(r[key], known, key)}</div>`]));
  return parts.length ? { id: key, title, html: `<div class="cards">${parts.join('')}</div>`, charts: [] } : null;
}

function gateCell(v: unknown, column: string): Cell {
  if (column === 'passed' && (typeof v === 'boolean' || v === null)) {
    const b = v === true ? 'pass' : v === false ? 'fail' : 'unknown';
    return markup(`<span class="badge ${b}">${b}</span>`);
  }
  if (v === undefined || v === null) return '—';
  if (typeof v === 'number') return column === 'change' ? `${v > 0 ? '+' : ''}${fmtNum(v * 100, 1)} %` : fmtNum(v, 3);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function gateSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const parts: string[] = [];
  results.forEach((r, i) => {
    const gate = readGate(r.gate);
    if (gate === null) return;
    const badge = gate.passed === true ? 'pass' : gate.passed === false ? 'fail' : 'unknown';
    const fields = gate.fields.length ? table(['', 'value'], gate.fields.map(([k, v]) => [k, v === null ? '—' : String(v)]), { rowHeaders: true, cls: 'compact fields' }) : '';
    const tables = gate.tables.map((t) => `<h4>${escapeHtml(t.name)}</h4>${table(t.columns, t.rows.map((row) => t.columns.map((c) => gateCell(row[c], c))), { cls: 'compact' })}`).join('');
    const body = fields || tables ? fields + tables : unreadable('gate');
    parts.push(`<h3>${seriesHeader(styles[i]!.label, styles[i]!.color).html} <span class="badge ${badge}">${badge.toUpperCase()}</span></h3>${body}`);
  });
  return parts.length ? { id: 'gate', title: 'CI gate', html: parts.join(''), charts: [] } : null;
}

export function optionalSections(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection[] {
  const build = [
    () => stepsSection(results, styles),
    () => serializationSection(results, styles),
    () => fieldsSection(results, styles, 'redis', 'Redis', redisFields),
    () => fieldsSection(results, styles, 'concurrency', 'Concurrency (lost updates)', concurrencyFields),
    () => gateSection(results, styles),
  ];
  return build.map((f) => f()).filter((s): s is OptionalSection => s !== null);
}
