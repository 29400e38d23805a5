/**
 * HTML for result.evidence (issue 14, harness/evidence/): the evidence lanes' figures for the
 * Timeline section, and one card per result: how the logs' clocks were aligned, the events by
 * kind, the most frequent kinds (with example lines) over the whole load and in each anomaly
 * window, the lost users with the events around their loss, and every log source with its
 * status (a component without logs shows as such). Every string from a result is escaped. The
 * probe summarises the section already; rows are capped anyway so an odd result cannot bloat
 * the page.
 */
import type { EvidenceExample, EvidenceSection } from '../evidence/evidence-section.js';
import { figure } from './detail-sections.js';
import type { EvidenceLane } from './evidence-lane.js';
import { fmtInt, fmtNum } from './format.js';
import { escapeHtml } from './html-escape.js';
import { markup, seriesHeader, table, type Cell } from './html-table.js';

/** Rows shown per card; the rest are counted. */
export const WINDOW_ROWS = 12;
export const LOST_USER_ROWS = 20;
export const SOURCE_ROWS = 40;
/** Example lines per kind in a window, events per lost user (the schema's own caps). */
const EXAMPLES_PER_KIND = 3;
const EVENTS_PER_USER = 10;

/** "12.0 s" since the load start; before it, negative. */
const fmtT = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const more = (n: number, what: string) => (n > 0 ? `<p class="muted">… ${fmtInt(n)} more ${escapeHtml(what)} not shown</p>` : '');

/** Log lines in monospace, one per row: t, component, [kind,] the raw line. */
function linesBlock(lines: readonly EvidenceExample[], withKind: boolean): Cell {
  if (lines.length === 0) return '—';
  const text = lines.map((e) => `${fmtT(e.t).padStart(8)}  ${e.component}  ${withKind ? `[${e.kind}]  ` : ''}${e.line}`).join('\n');
  return markup(`<pre class="code">${escapeHtml(text)}</pre>`);
}

/** The lanes, placed under the timeline's anomalies chart. */
export function evidenceLaneHtml(lanes: readonly EvidenceLane[]): string {
  return lanes
    .map((lane) => (lane.spec ? figure(lane.spec.id, lane.title, lane.note) : `<p class="chart-note"><b>${escapeHtml(lane.title)}:</b> ${escapeHtml(lane.note)}</p>`))
    .join('');
}

function kindsLine(s: EvidenceSection): string {
  const kinds = Object.entries(s.kinds)
    .filter(([, n]) => n > 0)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (kinds.length === 0) return '<p class="kv">no log event from the load start to the end of the final reads</p>';
  return `<p class="kv">events by kind: ${kinds.map(([k, n]) => `<b>${escapeHtml(k)}</b> ${fmtInt(n)}`).join(' · ')}</p>`;
}

/** The most frequent kinds of a span, with their counts and example lines. */
function topTable(top: EvidenceSection['overall'], none: string): string {
  if (top.length === 0) return `<p class="muted">${escapeHtml(none)}</p>`;
  const rows: Cell[][] = top.map((k) => [k.kind, fmtInt(k.count), linesBlock(k.examples.slice(0, EXAMPLES_PER_KIND), false)]);
  return table(['kind', 'events', 'example lines'], rows, { cls: 'compact', rowHeaders: true });
}

const reasons = { anomalies: 'errors or anomalies', threshold: 'failed threshold' } as const;

function windowsHtml(s: EvidenceSection): string {
  if (s.windows.length === 0) return '<p class="muted">no anomaly window and no failed threshold</p>';
  const shown = s.windows.slice(0, WINDOW_ROWS);
  const parts = shown.map((w) => {
    const head = `<p class="kv"><b>${escapeHtml(w.label)}</b> · ${escapeHtml(`${fmtNum(w.fromMs / 1000, 1)}–${fmtNum(w.toMs / 1000, 1)} s`)} · ${escapeHtml(reasons[w.reason])}</p>`;
    return head + topTable(w.top, 'no log event in this window');
  });
  return parts.join('') + more(s.windows.length - shown.length, 'windows');
}

function lostUsersHtml(s: EvidenceSection, lost: number): string {
  const unlisted = Math.max(0, lost - s.lostUsers.length);
  if (s.lostUsers.length === 0) return lost > 0 ? `<p class="muted">${fmtInt(lost)} lost users, none listed with its events</p>` : '<p class="muted">no lost users</p>';
  const shown = s.lostUsers.slice(0, LOST_USER_ROWS);
  const rows: Cell[][] = shown.map((u) => [
    u.user,
    u.lostAtMs === null ? 'at the final read' : fmtT(u.lostAtMs),
    u.nodes.join(', ') || '—',
    u.events.length ? linesBlock(u.events.slice(0, EVENTS_PER_USER), true) : { value: 'no log event around its loss', cls: 'muted' },
    u.answerWarnings?.length ? linesBlock(u.answerWarnings, true) : { value: 'none', cls: 'muted' },
  ]);
  return table(['user', 'lost at', 'nodes', 'events around the loss', 'warnings its own answers carried'], rows, { cls: 'compact', rowHeaders: true }) + more(s.lostUsers.length - shown.length + unlisted, 'lost users');
}

/** The warnings the answers carried in their JSON (apart from the log counts: each is in PHP's error log too). */
function answersHtml(s: EvidenceSection): string {
  if (!s.answers) return '';
  const head = `<h4>warnings the answers carried</h4><p class="kv">${fmtInt(s.answers.answersWithWarnings)} answer(s) carried PHP warnings in their JSON (the same warnings are in PHP's error log: not added to the counts above)</p>`;
  return head + (s.answers.top.length ? topTable(s.answers.top, '') : '');
}

function sourcesTable(s: EvidenceSection): string {
  if (s.sources.length === 0) return '<p class="muted">no log source was known for this run</p>';
  const shown = s.sources.slice(0, SOURCE_ROWS);
  const rows: Cell[][] = shown.map((src) => [
    src.component,
    { value: src.format, cls: 'txt' },
    { value: src.origin, cls: 'txt' },
    { value: src.status === 'empty' ? 'empty (no lines)' : src.status, cls: src.status === 'read' ? 'txt' : 'txt bad' },
    fmtInt(src.events),
    fmtInt(src.untimed),
    { value: src.error ?? '—', cls: 'txt' },
  ]);
  return table(['component', 'format', 'origin', 'status', 'events', 'untimed', 'error'], rows, { cls: 'numeric compact', rowHeaders: true }) + more(s.sources.length - shown.length, 'sources');
}

/** One result's card body (no heading). `lost`: result.sessions.lost, to count lost users not listed. */
export function evidenceHtml(s: EvidenceSection, lost: number): string {
  const resolution = s.resolutionMs >= 1000 ? `${fmtNum(s.resolutionMs / 1000, 1)} s` : `${fmtNum(s.resolutionMs, 1)} ms`;
  return (
    `<p class="kv">clocks: ${escapeHtml(s.clock)} · coarsest timestamp resolution <b>${escapeHtml(resolution)}</b> · per second: <a href="#timeline">the evidence lane</a> under Session anomalies</p>` +
    kindsLine(s) +
    `<h4>the whole load: the most frequent kinds</h4>${topTable(s.overall, 'no log event during the load')}` +
    `<h4>anomaly windows: the kinds seen then</h4>${windowsHtml(s)}` +
    answersHtml(s) +
    `<h4>lost users</h4>${lostUsersHtml(s, lost)}` +
    `<h4>log sources</h4>${sourcesTable(s)}`
  );
}

/** The parts of a result this section reads (RunResult fits). */
export interface EvidenceResultLike {
  evidence?: EvidenceSection | undefined;
  sessions: { lost: number };
}

/** Same shape as optional-section-html's OptionalSection; its charts (the lanes) live in the Timeline section. */
export interface EvidenceReportSection {
  id: 'evidence';
  title: string;
  html: string;
  charts: never[];
}

/** One card per result with an evidence section; null when none has. `styles[i]` = { label, color } of result i. */
export function evidenceSection(results: readonly EvidenceResultLike[], styles: ReadonlyArray<{ label: string; color: string }>): EvidenceReportSection | null {
  const parts = results.flatMap((r, i) => {
    if (!r.evidence) return [];
    const style = styles[i] ?? { label: `result ${i + 1}`, color: '#64748b' };
    return [`<div class="card"><h3>${seriesHeader(style.label, style.color).html}</h3>${evidenceHtml(r.evidence, r.sessions.lost)}</div>`];
  });
  return parts.length ? { id: 'evidence', title: 'Root-cause evidence (component logs)', html: `<div class="cards">${parts.join('')}</div>`, charts: [] } : null;
}
