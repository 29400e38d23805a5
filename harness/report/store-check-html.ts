/**
 * HTML for result.redis.storeCheck (harness/redis-inspect/store-check.ts): what Redis itself holds
 * for each user, beside the HTTP verdict — a small table of counts, the one-line statement of
 * how it relates to the verdict, and the first disagreements. Every string from a result is
 * escaped (cells through html-table, the rest through escapeHtml). The section arrives typed
 * (result-schema validates result.redis.storeCheck on read).
 */
import { compareWithVerdict, type SessionCounts, type StoreCheckSection } from '../redis-inspect/store-check.js';
import { fmtInt, fmtMs } from './format.js';
import { escapeHtml } from './html-escape.js';
import { seriesHeader, table, type Cell } from './html-table.js';

const badgeClass = { agrees: 'pass', disagrees: 'fail', mismatch: 'fail', 'not-compared': 'unknown' } as const;

const valueText = (v: string | number | boolean | null): string => (v === null ? '—' : typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The section's HTML (no heading): counts, the statement, samples. `sessions` = result.sessions. */
export function storeCheckHtml(store: StoreCheckSection, sessions: SessionCounts): string {
  const comparison = compareWithVerdict(store, sessions);
  const badge = `<span class="badge ${badgeClass[comparison.status]}">${escapeHtml(comparison.status)}</span>`;
  const kv =
    `<p class="kv">serializer <b>${escapeHtml(store.serializer)}</b> · keys <b>${escapeHtml(store.prefix)}&lt;${escapeHtml(store.cookieName)}&gt;</b>` +
    ` · visit_count ${store.visitCountCompared ? 'compared' : 'not compared'} · read in ${escapeHtml(fmtMs(store.durationMs))}</p>`;
  const statement = `<p>${badge} ${escapeHtml(comparison.statement)}</p>`;
  if (store.status === 'not-checked') return kv + statement;

  const byField = Object.entries(store.disagreeByField)
    .filter(([, n]) => n > 0)
    .map(([f, n]) => `${f} ${fmtInt(n)}`)
    .join(' · ');
  const rows: Cell[][] = [
    ['users', fmtInt(store.users)],
    ['checked (with a session id)', fmtInt(store.checked)],
    ['agree', fmtInt(store.agree)],
    ['disagree', { value: fmtInt(store.disagree) + (byField ? ` (${byField})` : ''), ...(store.disagree ? { cls: 'bad' } : {}) }],
    ['key missing', fmtInt(store.missing)],
    ['undecodable', { value: fmtInt(store.undecodable), ...(store.undecodable ? { cls: 'bad' } : {}) }],
    ['skipped (no session id)', fmtInt(store.skipped)],
  ];
  const counts = table([], rows, { rowHeaders: true, cls: 'numeric compact fields' });

  const v = store.byVerdict;
  const verdictRows: Cell[][] = (Object.keys(v) as Array<keyof typeof v>)
    .filter((k) => Object.values(v[k]).some((n) => n > 0))
    .map((k) => [k, fmtInt(v[k].token), fmtInt(v[k].noToken), fmtInt(v[k].missing), fmtInt(v[k].undecodable), fmtInt(v[k].skipped)]);
  const byVerdict = verdictRows.length
    ? `<h4>HTTP verdict vs store</h4>${table(['HTTP verdict', 'token in Redis', 'no token', 'no key', 'undecodable', 'no session id'], verdictRows, { rowHeaders: true, cls: 'numeric compact' })}`
    : '';

  const samples = store.samples.length
    ? `<h4>disagreements (first ${store.samples.length})</h4>` +
      table(
        ['user', 'field', 'store', 'model', 'rule'],
        store.samples.map((s) => [s.user, s.field, { value: valueText(s.store), cls: 'txt' }, { value: valueText(s.model), cls: 'txt' }, { value: s.rule, cls: 'txt' }]),
        { cls: 'compact' },
      )
    : '';
  const undecodable = store.undecodableSamples.length
    ? `<h4>undecodable (first ${store.undecodableSamples.length})</h4>` +
      table(
        ['user', 'serializer', 'error', 'at byte', 'bytes', 'message'],
        store.undecodableSamples.map((s) => [s.user, s.serializer, s.code, fmtInt(s.offset), fmtInt(s.bytes), { value: s.message, cls: 'txt' }]),
        { cls: 'compact' },
      )
    : '';
  const missing = store.missingSamples.length ? `<p class="muted">no key for ${escapeHtml(store.missingSamples.join(', '))}${store.missing > store.missingSamples.length ? ', …' : ''}</p>` : '';
  return kv + statement + counts + byVerdict + samples + undecodable + missing;
}

/** The parts of a result this section reads (RunResult fits). */
export interface StoreCheckResultLike {
  redis?: { storeCheck?: StoreCheckSection; storeCheckError?: string } | undefined;
  sessions: SessionCounts;
}

/** Same shape as optional-section-html's OptionalSection, so it can go in that list as is. */
export interface StoreCheckReportSection {
  id: 'store-check';
  title: string;
  html: string;
  charts: never[];
}

/**
 * The report section over all compared results: one card per result whose Redis section has
 * a store check (or says why it has none); null when none has. `styles[i]` = { label, color } of result i.
 */
export function storeCheckSection(
  results: readonly StoreCheckResultLike[],
  styles: ReadonlyArray<{ label: string; color: string }>,
): StoreCheckReportSection | null {
  const parts = results.flatMap((r, i) => {
    const store = r.redis?.storeCheck;
    const error = r.redis?.storeCheckError;
    if (!store && !error) return [];
    const style = styles[i] ?? { label: `result ${i + 1}`, color: '#64748b' };
    const head = `<h3>${seriesHeader(style.label, style.color).html}</h3>`;
    const body = store
      ? storeCheckHtml(store, r.sessions)
      : `<p><span class="badge unknown">unknown</span> the store could not be read: ${escapeHtml(error!)}</p>`;
    return [`<div class="card">${head}${body}</div>`];
  });
  return parts.length ? { id: 'store-check', title: 'Sessions in the store (cross-check)', html: `<div class="cards">${parts.join('')}</div>`, charts: [] } : null;
}
