/** HTML for the sections only some results carry: steps, serialization, redis, concurrency, connections, gate. */
import type { RunResult } from '../results/result-schema.js';
import { buildSerializationCharts, buildStepsChart, type ChartSpec } from './chart-data.js';
import { figure } from './detail-sections.js';
import { fmtBytes, fmtInt, fmtMs, fmtNum, fmtRate, fmtSeconds, isNum } from './format.js';
import { escapeHtml } from './html-escape.js';
import { markup, seriesHeader, table, type Cell } from './html-table.js';
import { asRecord, readFields, readRecordTables, type RecordTable } from './optional-sections.js';
import type { SerializationRow } from '../serialization/serialization-section.js';
import type { SeriesStyle } from './series-style.js';
import { storeCheckSection } from './store-check-html.js';
import { redisClusterSection } from './redis-cluster-html.js';
import { evidenceSection } from './evidence-html.js';

export interface OptionalSection {
  id: string;
  title: string;
  html: string;
  charts: ChartSpec[];
}

type Formats = Record<string, [label: string, format: (v: unknown) => string]>;

/** "120–180 s" for short runs, "2 min 00 s – 3 min 00 s" otherwise. */
function fmtWindow(startMs: number, endMs: number): string {
  if (endMs < 600_000) return `${fmtNum(startMs / 1000)}–${fmtNum(endMs / 1000)} s`;
  return `${fmtSeconds(startMs)} – ${fmtSeconds(endMs)}`;
}

function heading(style: SeriesStyle): string {
  return `<h3>${seriesHeader(style.label, style.color).html}</h3>`;
}

const badge = (passed: unknown) => {
  const b = passed === true ? 'pass' : passed === false ? 'fail' : 'unknown';
  return `<span class="badge ${b}">${b}</span>`;
};

/** One value of a section, whatever its shape: numbers formatted, verdicts as badges, maps inline. */
function valueCell(key: string, v: unknown, formats: Formats = {}): Cell {
  if (v === null || v === undefined) return '—';
  const f = formats[key]?.[1];
  if (f && isNum(v)) return f(v);
  if (key === 'passed' && typeof v === 'boolean') return markup(badge(v));
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return fmtNum(v, 3);
  if (typeof v === 'string') return v;
  const r = asRecord(v);
  if (r && typeof r.passed === 'boolean') {
    return markup(`${badge(r.passed)}${typeof r.message === 'string' ? ` ${escapeHtml(r.message)}` : ''}`);
  }
  if (r && Object.values(r).every(isNum)) {
    return Object.entries(r).map(([k, n]) => `${k} ${fmtNum(n, 3)}`).join(' · ') || '—';
  }
  if (r && Object.values(r).every((x) => x === null || typeof x === 'string' || typeof x === 'boolean')) {
    return Object.entries(r).map(([k, x]) => `${k}: ${x ?? '—'}`).join(' · ') || '—';
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || isNum(x))) return v.join('; ') || '—';
  return JSON.stringify(v);
}

/** A typed section's fields as one table, its arrays of objects as tables of their own; `skip`: keys shown elsewhere. */
function fieldsTable(v: object, known: Formats, skip: readonly string[] = []): string {
  const fields = readFields(v, Object.keys(known), skip).filter(([, x]) => !(Array.isArray(x) && x.some((e) => asRecord(e))));
  const tables = readRecordTables(v, skip);
  const rows: Cell[][] = fields.map(([k, val]) => [known[k]?.[0] ?? k, valueCell(k, val, known)]);
  const main = rows.length ? table([], rows, { rowHeaders: true, cls: 'numeric compact fields' }) : '';
  return main + tables.map((t) => recordsTable(t)).join('');
}

const tableTitles: Record<string, string> = {
  endToEnd: 'end to end (the real stack, one run per handler)',
  skipped: 'skipped',
  checks: 'checks',
};

function recordsTable(t: RecordTable, formats: Formats = {}): string {
  // Gate checks carry human-formatted cells in `display`: prefer them to raw numbers.
  const cols = t.columns.filter((c) => c !== 'display');
  const head = cols.map((c) => formats[c]?.[0] ?? c);
  const cell = (row: Record<string, unknown>, c: string): Cell => {
    const shown = asRecord(row.display)?.[c];
    if (typeof shown === 'string') return shown;
    const v = row[c];
    if (c === 'change' && isNum(v)) return `${v > 0 ? '+' : ''}${fmtNum(v * 100, 1)} %`;
    return valueCell(c, v, formats);
  };
  return `<h4>${escapeHtml(tableTitles[t.name] ?? t.name)}</h4>${table(head, t.rows.map((row) => cols.map((c) => cell(row, c))), { cls: 'compact' })}`;
}

const redisFields: Formats = {
  keys: ['session keys', fmtInt],
  users: ['users', fmtInt],
  keysWithoutTtl: ['keys without TTL', fmtInt],
  ttlMinS: ['TTL min', (v) => fmtSeconds((v as number) * 1000)],
  ttlMaxS: ['TTL max', (v) => fmtSeconds((v as number) * 1000)],
  ttlCheck: ['TTL check', String],
  bytesPerSession: ['bytes per session', fmtBytes],
  opsPerSec: ['Redis commands / s', fmtInt],
  commandsPerRequest: ['commands per request', (v) => fmtNum(v, 2)],
  perCommand: ['by command', String],
  evictedKeys: ['keys evicted (maxmemory)', fmtInt],
  oomRejections: ['writes refused (OOM)', fmtInt],
};

const concurrencyFields: Formats = {
  bursts: ['bursts', fmtInt],
  burstSize: ['requests per burst', fmtInt],
  determinateBursts: ['bursts with every increment answered', fmtInt],
  ackedIncrements: ['increments answered 2xx in them', fmtInt],
  lostUpdates: ['lost updates', fmtInt],
  lostUpdateRate: ['lost update rate (of answered increments)', (v) => (v === null ? 'unknown' : fmtRate(v))],
  lostFlaggedUnsaved: ['of them flagged by the app (written: false)', fmtInt],
  burstsWithLoss: ['bursts with a lost update', fmtInt],
  unsavedIncrements: ['increments answered 200 but not written', fmtInt],
  indeterminateIncrements: ['indeterminate increments (no answer)', fmtInt],
  timedOutIncrements: ['of them timed out', fmtInt],
  indeterminateBursts: ['bursts with indeterminate increments', fmtInt],
  indeterminateLostMin: ['lost updates they may hide, at least', fmtInt],
  indeterminateLostMax: ['lost updates they may hide, at most', fmtInt],
  excessIncrements: ['counts above what was sent', fmtInt],
  lockErrors: ['lock errors', fmtInt],
  writeErrors: ['write errors', fmtInt],
  lockWaitP99Ms: ['lock wait p99', fmtMs],
  burstLatencyP99Ms: ['burst latency p99', fmtMs],
  checkLatencyP50Ms: ['check latency p50', fmtMs],
};

const endToEndFields: Formats = {
  rps: ['req/s', fmtInt],
  p50: ['p50', fmtMs],
  p99: ['p99', fmtMs],
  errors: ['errors', fmtInt],
  anomalies: ['anomalies', fmtInt],
  bytesPerSession: ['bytes per session', fmtBytes],
};

function stepsSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const charts: ChartSpec[] = [];
  const parts: string[] = [];
  results.forEach((r, i) => {
    const steps = r.steps;
    if (!steps || steps.length === 0) return;
    const chart = buildStepsChart(steps, styles[i]!, i);
    charts.push(chart);
    const rows: Cell[][] = steps.map((s) => [s.label, fmtWindow(s.startMs, s.endMs), fmtInt(s.requests), fmtMs(s.p50), fmtMs(s.p99), fmtInt(s.errors), fmtInt(s.anomalies)]);
    parts.push(`${heading(styles[i]!)}<div class="stack">${figure(chart.id, 'p50 (dashed) and p99 per step')}${table(['step', 'window', 'requests', 'p50', 'p99', 'errors', 'anomalies'], rows, { cls: 'numeric compact', rowHeaders: true })}</div>`);
  });
  return parts.length ? { id: 'steps', title: 'Latency steps', html: parts.join(''), charts } : null;
}

const withSpread = (ops: number | null, spread: number | null) => (ops === null ? '—' : spread === null ? fmtInt(ops) : `${fmtInt(ops)} ±${fmtNum(spread, 1)} %`);

/** One table per profile plus its two bar charts: ops/s (encode, decode) and encoded size. */
function serializationProfiles(rows: SerializationRow[], index: number, charts: ChartSpec[]): string {
  const profiles = [...new Set(rows.map((r) => r.profile))];
  return profiles
    .map((profile, k) => {
      const group = rows.filter((r) => r.profile === profile);
      const [ops, bytes] = buildSerializationCharts(group, `${index}-${k}`);
      charts.push(ops!, bytes!);
      const txt = (v: string): Cell => ({ value: v, cls: 'txt' });
      const cells: Cell[][] = group.map((x) => [x.handler, txt(x.compression), withSpread(x.encodeOpsPerSec, x.encodeSpreadPct), withSpread(x.decodeOpsPerSec, x.decodeSpreadPct), fmtBytes(x.bytes)]);
      const title = `<h4>profile ${escapeHtml(profile)}</h4>`;
      return `${title}${table(['handler', 'compression', 'encode ops/s', 'decode ops/s', 'size'], cells, { cls: 'numeric compact', rowHeaders: true })}<div class="grid2">${figure(ops!.id, `Encode and decode operations per second (${profile}), higher is better`)}${figure(bytes!.id, `Encoded session size (${profile}), smaller is better`)}</div>`;
    })
    .join('');
}

function serializationSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const charts: ChartSpec[] = [];
  const parts: string[] = [];
  results.forEach((r, i) => {
    const section = r.serialization;
    if (!section) return;
    const rows = section.rows;
    const tables = readRecordTables(section, ['rows']);
    const info = readFields(section, ['php', 'phpredis', 'igbinary', 'msgpack', 'compressionSupported', 'samples', 'sampleMs', 'payload'], ['rows', 'note', 'compressionNote'])
      .filter(([, v]) => !Array.isArray(v) && (v === null || typeof v !== 'object'))
      .map(([k, v]) => `${escapeHtml(k)} <b>${escapeHtml(v === null ? '—' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v))}</b>`);
    const notes = [section.note, section.compressionNote].map((n) => `<p class="muted">${escapeHtml(n)}</p>`);
    parts.push(
      heading(styles[i]!) +
        (info.length ? `<p class="kv">${info.join(' · ')}</p>` : '') +
        notes.join('') +
        (rows.length ? serializationProfiles(rows, i, charts) : '') +
        tables.map((t) => recordsTable(t, endToEndFields)).join(''),
    );
  });
  return parts.length ? { id: 'serialization', title: 'Serialization', html: parts.join(''), charts } : null;
}

function fieldsSection(results: readonly RunResult[], styles: readonly SeriesStyle[], key: 'redis' | 'concurrency', title: string, known: Formats, skip: readonly string[] = []): OptionalSection | null {
  const parts = results.flatMap((r, i) => {
    const section = r[key];
    return section === undefined ? [] : [`<div class="card">${heading(styles[i]!)}${fieldsTable(section, known, skip)}</div>`];
  });
  return parts.length ? { id: key, title, html: `<div class="cards">${parts.join('')}</div>`, charts: [] } : null;
}

const linkTitles = { balancer: 'balancer → node', fastcgi: 'node nginx → PHP-FPM', redis: 'PHP → Redis' } as const;

/** New connections per request per link (result.connections), one card per result. */
function connectionsSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const parts = results.flatMap((r, i) => {
    const c = r.connections;
    if (!c) return [];
    const setting = typeof c.reuse.setting === 'string' ? c.reuse.setting : Object.entries(c.reuse.setting).map(([k, on]) => `${k} ${on ? 'on' : 'off'}`).join(', ');
    const rows: Cell[][] = (Object.keys(linkTitles) as Array<keyof typeof linkTitles>).map((link) => {
      const f = c.links[link];
      const reuse = c.reuse[link] ? 'reused' : 'new per request';
      if (!f) return [linkTitles[link], { value: reuse, cls: 'txt' }, '—', '—', '—', { value: 'not measured', cls: 'txt' }];
      const per = f.perRequest === null ? '—' : `${f.lowerBound ? '≥ ' : ''}${fmtNum(f.perRequest, f.perRequest < 0.1 ? 4 : 3)}`;
      return [linkTitles[link], { value: reuse, cls: 'txt' }, fmtInt(f.newConnections), fmtInt(f.requests), { value: per, ...(f.lowerBound ? { title: f.lowerBound } : {}) }, { value: f.method, cls: 'txt' }];
    });
    const nodes: Cell[][] = Object.entries(c.nodes).map(([name, n]) => [name, fmtInt(n.requests), fmtInt(n.accepts), n.fpmConnections === null ? '—' : fmtInt(n.fpmConnections), fmtInt(n.restarts), fmtInt(n.missedSamples)]);
    const notes = [...Object.values(c.links).flatMap((f) => (f?.lowerBound ? [f.lowerBound] : [])), ...c.notes].map((n) => `<p class="muted">${escapeHtml(n)}</p>`);
    return [
      `<div class="card">${heading(styles[i]!)}<p class="kv">connection reuse <b>${escapeHtml(setting)}</b> · ${fmtNum(r.requests.rps, 0)} req/s · p99 ${fmtMs(r.latencyMs.p99)} · read every ${fmtNum(c.intervalMs / 1000, 0)} s${c.redisRestarts ? ` · Redis restarted ${c.redisRestarts}×` : ''}</p>` +
        table(['link', 'connections', 'new', 'requests', 'new per request', 'counted from'], rows, { cls: 'numeric compact', rowHeaders: true }) +
        `<h4>per node</h4>${table(['node', 'requests', 'accepted from the balancer', 'to PHP-FPM', 'restarts', 'readings missed'], nodes, { cls: 'numeric compact', rowHeaders: true })}` +
        notes.join('') +
        '</div>',
    ];
  });
  return parts.length ? { id: 'connections', title: 'Connections (new per request)', html: `<div class="cards">${parts.join('')}</div>`, charts: [] } : null;
}

function gateSection(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection | null {
  const parts: string[] = [];
  results.forEach((r, i) => {
    const gate = r.gate;
    if (!gate) return;
    const b = gate.passed ? 'pass' : 'fail';
    const isTable = (x: unknown) => Array.isArray(x) && x.some((e) => asRecord(e) !== null);
    const shown = readFields(gate, ['counts', 'checkedAt', 'result', 'maxRegression', 'warnings'], ['passed', 'schema']).filter(([, x]) => !isTable(x) && !(Array.isArray(x) && x.length === 0));
    const fields = shown.length ? table([], shown.map(([k, v]) => [k, valueCell(k, v)]), { rowHeaders: true, cls: 'compact fields' }) : '';
    const body = fields + readRecordTables(gate).map((t) => recordsTable(t)).join('');
    parts.push(`<h3>${seriesHeader(styles[i]!.label, styles[i]!.color).html} <span class="badge ${b}">${b.toUpperCase()}</span></h3>${body}`);
  });
  return parts.length ? { id: 'gate', title: 'CI gate', html: parts.join(''), charts: [] } : null;
}

export function optionalSections(results: readonly RunResult[], styles: readonly SeriesStyle[]): OptionalSection[] {
  const build = [
    () => evidenceSection(results, styles),
    () => stepsSection(results, styles),
    () => serializationSection(results, styles),
    () => fieldsSection(results, styles, 'redis', 'Redis', redisFields, ['storeCheck', 'storeCheckError']),
    () => storeCheckSection(results, styles),
    () => redisClusterSection(results, styles),
    () => fieldsSection(results, styles, 'concurrency', 'Concurrency (lost updates)', concurrencyFields),
    () => connectionsSection(results, styles),
    () => gateSection(results, styles),
  ];
  return build.map((f) => f()).filter((s): s is OptionalSection => s !== null);
}
