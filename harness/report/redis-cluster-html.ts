/**
 * HTML for result.redisCluster (harness/probes/redis-cluster-probe.ts): the cluster's shape,
 * the failover in one line, each node's role before and after, the events the watcher saw,
 * the users per master that owned their slot at the load start (did only the failed master's
 * users suffer?), the non-ok answers per second by that master, and the store check. Every
 * string from a result is escaped (cells through html-table, the rest through escapeHtml).
 */
import type { RedisClusterSection, ClusterEventRecord } from '../probes/redis-cluster-section.js';
import { formatSlotRanges, slotCount } from '../redis-inspect/cluster-nodes.js';
import type { SessionCounts } from '../redis-inspect/store-check.js';
import { fmtBytes, fmtInt, fmtNum, fmtRate } from './format.js';
import { escapeHtml } from './html-escape.js';
import { seriesHeader, table, type Cell } from './html-table.js';
import { storeCheckHtml } from './store-check-html.js';

/** Events shown per result; the rest are counted. */
const EVENT_ROWS = 200;
/** Seconds shown in the non-ok-per-second table. */
const SECOND_ROWS = 120;

/** "12.3 s"; before the load (the probe's baseline) "-0.02 s". */
const fmtT = (ms: number): string => `${(ms / 1000).toFixed(ms < 0 ? 2 : 1)} s`;

const badge = (cls: 'pass' | 'fail' | 'unknown', text: string) => `<span class="badge ${cls}">${escapeHtml(text)}</span>`;

/** The failover in one line. */
export function failoverLine(section: Pick<RedisClusterSection, 'failover'>): string {
  const f = section.failover;
  if (!f) return `<p>${badge('unknown', 'no failover')} no failover seen: no master was flagged fail</p>`;
  const failed = `${escapeHtml(f.failedNode)} flagged fail at ${escapeHtml(fmtT(f.flaggedFailAtMs))}`;
  if (f.promotedNode === null || f.promotedAtMs === null) return `<p>${badge('fail', 'not promoted')} ${failed}; no replica was promoted in its place</p>`;
  const gap = f.promotedAtMs - f.flaggedFailAtMs;
  return `<p>${badge('pass', 'failover')} ${failed}, ${escapeHtml(f.promotedNode)} promoted at ${escapeHtml(fmtT(f.promotedAtMs))} (${escapeHtml(fmtNum(gap / 1000, 2))} s later)</p>`;
}

/** An event's details in words. */
export function eventDetail(e: ClusterEventRecord): string {
  const slots = e.slots ? `slots ${formatSlotRanges(e.slots)} (${fmtInt(slotCount(e.slots))})` : '';
  switch (e.type) {
    case 'pfail':
    case 'fail':
      return [e.role ? `a ${e.role}` : '', e.by ? `flagged by ${e.by}` : ''].filter(Boolean).join(', ');
    case 'rejoined':
      return e.was ? `no longer flagged ${e.was}` : 'no longer flagged';
    case 'promoted':
      return [`took over from ${e.from ?? '—'}`, slots].filter(Boolean).join(', ');
    case 'demoted':
      return `now a replica of ${e.master ?? '—'}`;
    case 'slots-moved':
      return [`from ${e.from ?? 'unassigned'}`, slots].filter(Boolean).join(', ');
    case 'cluster-state':
      return `cluster_state:${e.state ?? '?'}`;
  }
}

function nodesTable(s: RedisClusterSection): string {
  const rows: Cell[][] = s.nodes.map((n) => {
    const changed = n.roleAtStart !== 'unknown' && n.roleAtStart !== n.roleAtEnd;
    return [
      n.name,
      { value: n.roleAtStart, cls: 'txt' },
      { value: n.roleAtEnd, cls: changed || n.roleAtEnd === 'down' || n.roleAtEnd === 'unreachable' ? 'txt bad' : 'txt' },
      { value: n.masterAtEnd ?? '—', cls: 'txt' },
      fmtInt(n.keys),
      fmtBytes(n.usedMemoryBytes),
    ];
  });
  return table(['node', 'role at start', 'role at end', 'replica of', 'session keys', 'memory'], rows, { cls: 'numeric compact', rowHeaders: true });
}

function eventsTable(s: RedisClusterSection): string {
  if (s.events.length === 0) return `<p class="muted">no cluster events seen${s.droppedEvents ? ` (${fmtInt(s.droppedEvents)} dropped)` : ''}</p>`;
  const shown = s.events.slice(0, EVENT_ROWS);
  const rows: Cell[][] = shown.map((e) => [fmtT(e.t), { value: e.type, cls: 'txt' }, { value: e.node, cls: 'txt' }, { value: eventDetail(e), cls: 'txt' }]);
  const more = s.events.length - shown.length + s.droppedEvents;
  return table(['t', 'event', 'node', 'detail'], rows, { cls: 'compact' }) + (more > 0 ? `<p class="muted">… ${fmtInt(more)} more events not shown</p>` : '');
}

function ownersTable(s: RedisClusterSection): string {
  const failed = s.failover?.failedNode;
  const row = (label: string, slots: string, f: RedisClusterSection['unattributed']): Cell[] => [
    label,
    slots,
    fmtInt(f.users),
    fmtInt(f.requests),
    { value: fmtInt(f.nonOk), ...(f.nonOk ? { cls: 'bad' } : {}) },
    fmtInt(f.errors),
    fmtRate(f.requests ? f.nonOk / f.requests : null),
    { value: fmtInt(f.lostUsers), ...(f.lostUsers ? { cls: 'bad' } : {}) },
  ];
  const rows = s.perOwner.map((o) => row(o.master === failed ? `${o.master} (failed)` : o.master, fmtInt(o.slots), o));
  if (s.unattributed.users > 0) rows.push(row('no owner (no session id)', '—', s.unattributed));
  if (rows.length === 0) return '<p class="muted">no slot map at the load start: users could not be attributed to masters</p>';
  return table(['master at load start', 'slots', 'users', 'requests', 'non-ok', 'errors', 'non-ok rate', 'lost users'], rows, { cls: 'numeric compact', rowHeaders: true });
}

function perSecondTable(s: RedisClusterSection): string {
  if (s.errorsPerSecondByOwner.length === 0) return '';
  const owners = [...new Set([...s.perOwner.map((o) => o.master), ...s.errorsPerSecondByOwner.flatMap((p) => Object.keys(p.byOwner))])];
  const shown = s.errorsPerSecondByOwner.slice(0, SECOND_ROWS);
  const rows: Cell[][] = shown.map((p) => [`${p.t} s`, ...owners.map((o) => (p.byOwner[o] ? { value: fmtInt(p.byOwner[o]), cls: 'bad' } : '0'))]);
  const more = s.errorsPerSecondByOwner.length - shown.length;
  return (
    `<h4>non-ok answers per second, by the master that owned the user's slot at the load start</h4>` +
    table(['second', ...owners], rows, { cls: 'numeric compact', rowHeaders: true }) +
    (more > 0 ? `<p class="muted">… ${fmtInt(more)} more seconds</p>` : '')
  );
}

/** One result's card body (no heading). `sessions` = result.sessions, for the store check. */
export function redisClusterHtml(s: RedisClusterSection, sessions: SessionCounts): string {
  const st = s.settings;
  const kv =
    `<p class="kv">${fmtInt(st.masters)} masters × ${fmtInt(st.replicasPerMaster)} ${st.replicasPerMaster === 1 ? 'replica' : 'replicas'} · node timeout <b>${escapeHtml(fmtInt(st.nodeTimeoutMs))} ms</b>` +
    ` · full coverage ${st.requireFullCoverage ? 'required' : 'not required'} · keys <b>${escapeHtml(s.prefix)}&lt;sid&gt;</b></p>` +
    `<p class="kv">session keys <b>${fmtInt(s.keys)}</b> for ${fmtInt(s.users)} users · lock keys ${fmtInt(s.lockKeys)} · TTL ${fmtInt(s.ttlMinS)}–${fmtInt(s.ttlMaxS)} s (gc_maxlifetime ${fmtInt(s.expectedTtlS)} s)` +
    ` · without TTL ${fmtInt(s.keysWithoutTtl)} · ${fmtBytes(s.bytesPerSession)} per session</p>`;
  const lag = s.replicationLag;
  const replication = lag
    ? `<p class="kv">replicas trailed their master in <b>${fmtInt(lag.trailingSamples)}</b> of ${fmtInt(lag.samples)} samples: by at most <b>${fmtBytes(lag.maxBytes)}</b> (p99 ${fmtBytes(lag.p99Bytes)}), last acknowledgement at most ${fmtInt(lag.maxAckAgeS)} s old</p>`
    : '';
  const ttl = `<p>${badge(s.ttlCheck.passed ? 'pass' : 'fail', s.ttlCheck.passed ? 'pass' : 'fail')} ${escapeHtml(s.ttlCheck.message)}</p>`;
  const store = s.storeCheck
    ? `<h4>sessions in the store (cross-check)</h4>${storeCheckHtml(s.storeCheck, sessions)}`
    : s.storeCheckError
      ? `<p>${badge('unknown', 'unknown')} the store could not be read: ${escapeHtml(s.storeCheckError)}</p>`
      : '';
  return (
    kv +
    failoverLine(s) +
    replication +
    ttl +
    `<h4>nodes</h4>${nodesTable(s)}` +
    `<h4>events</h4>${eventsTable(s)}` +
    `<h4>users by the master that owned their session at the load start</h4>${ownersTable(s)}` +
    perSecondTable(s) +
    store
  );
}

/** The parts of a result this section reads (RunResult fits). */
export interface RedisClusterResultLike {
  redisCluster?: RedisClusterSection | undefined;
  sessions: SessionCounts;
}

/** Same shape as optional-section-html's OptionalSection, so it can go in that list as is. */
export interface RedisClusterReportSection {
  id: 'redis-cluster';
  title: string;
  html: string;
  charts: never[];
}

/** One card per result with a redisCluster section; null when none has. `styles[i]` = { label, color } of result i. */
export function redisClusterSection(
  results: readonly RedisClusterResultLike[],
  styles: ReadonlyArray<{ label: string; color: string }>,
): RedisClusterReportSection | null {
  const parts = results.flatMap((r, i) => {
    const section = r.redisCluster;
    if (!section) return [];
    const style = styles[i] ?? { label: `result ${i + 1}`, color: '#64748b' };
    return [`<div class="card"><h3>${seriesHeader(style.label, style.color).html}</h3>${redisClusterHtml(section, r.sessions)}</div>`];
  });
  return parts.length ? { id: 'redis-cluster', title: 'Redis Cluster', html: `<div class="cards">${parts.join('')}</div>`, charts: [] } : null;
}
