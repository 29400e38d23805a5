/**
 * Ties parsed log events to the run's history (pure: no I/O). Times become ms since the load
 * started, on the same axis as the timeline (whole seconds t). Anomaly windows are runs of
 * seconds whose answers were not all ok; for each, the kinds of events seen from one log
 * resolution before it to its end, most frequent first, with example lines. A lost user gets
 * the events around its first answer that was not ok, on the components it touched.
 */
import type { EvidenceKind, EvidenceEvent } from './evidence-types.js';
import type { EvidenceExample, EvidenceSection } from './evidence-section.js';

type Top = EvidenceSection['windows'][number]['top'];

/** An event on the run's axis. */
export interface TimedEvent extends EvidenceEvent {
  /** ms since the load started. */
  t: number;
}

export const MAX_TOP_KINDS = 5;
export const MAX_EXAMPLES = 3;
export const MAX_LOST_USERS = 20;
export const MAX_USER_EVENTS = 10;
/** Around a lost user's first bad answer: this much before and after. */
export const AROUND_MS = 2000;

export function onRunAxis(events: readonly EvidenceEvent[], loadStartEpochMs: number): TimedEvent[] {
  return events.map((e) => ({ ...e, t: e.atMs - loadStartEpochMs })).sort((a, b) => a.t - b.t);
}

/** Occurrences an event stands for (an INFO delta stands for its growth). */
export const weight = (e: EvidenceEvent): number => e.count ?? 1;

export function example(e: TimedEvent): EvidenceExample {
  return { t: Math.round(e.t), component: e.component, kind: e.kind, line: e.line };
}

/** Counts per kind over events within [fromMs, toMs). */
export function kindTotals(events: readonly TimedEvent[], fromMs = -Infinity, toMs = Infinity): Partial<Record<EvidenceKind, number>> {
  const out: Partial<Record<EvidenceKind, number>> = {};
  for (const e of events) if (e.t >= fromMs && e.t < toMs) out[e.kind] = (out[e.kind] ?? 0) + weight(e);
  return out;
}

/** Per whole second (floor(t / 1000), like the timeline), counts per kind; only seconds with events. */
export function perSecond(events: readonly TimedEvent[], fromMs: number, toMs: number): EvidenceSection['perSecond'] {
  const bySecond = new Map<number, Partial<Record<EvidenceKind, number>>>();
  for (const e of events) {
    if (e.t < fromMs || e.t >= toMs) continue;
    const t = Math.floor(e.t / 1000);
    const counts = bySecond.get(t) ?? {};
    counts[e.kind] = (counts[e.kind] ?? 0) + weight(e);
    bySecond.set(t, counts);
  }
  return [...bySecond].sort(([a], [b]) => a - b).map(([t, counts]) => ({ t, counts }));
}

/**
 * The kinds seen in [fromMs, toMs), most frequent first, with the first examples of each.
 * Known kinds rank before `other`: a line no rule knows explains less than one that does.
 */
export function topKinds(events: readonly TimedEvent[], fromMs: number, toMs: number): Top {
  const byKind = new Map<EvidenceKind, TimedEvent[]>();
  for (const e of events) {
    if (e.t < fromMs || e.t >= toMs) continue;
    const list = byKind.get(e.kind) ?? [];
    list.push(e);
    byKind.set(e.kind, list);
  }
  const total = (list: readonly TimedEvent[]) => list.reduce((sum, e) => sum + weight(e), 0);
  return [...byKind]
    .map(([kind, list]) => ({ kind, list, count: total(list) }))
    .sort((a, b) => Number(a.kind === 'other') - Number(b.kind === 'other') || b.count - a.count)
    .slice(0, MAX_TOP_KINDS)
    .map(({ kind, list, count }) => ({ kind, count, examples: list.slice(0, MAX_EXAMPLES).map(example) }));
}

/** Runs of seconds with answers that were not ok (a one-second gap joins two runs), as [fromMs, toMs). */
export function anomalyWindows(badSeconds: ReadonlyMap<number, number>): Array<{ fromMs: number; toMs: number; bad: number }> {
  const seconds = [...badSeconds].filter(([, n]) => n > 0).map(([s]) => s).sort((a, b) => a - b);
  const out: Array<{ fromMs: number; toMs: number; bad: number }> = [];
  for (const s of seconds) {
    const last = out[out.length - 1];
    if (last && s * 1000 <= last.toMs + 1000) {
      last.toMs = (s + 1) * 1000;
      last.bad += badSeconds.get(s)!;
    } else out.push({ fromMs: s * 1000, toMs: (s + 1) * 1000, bad: badSeconds.get(s)! });
  }
  return out;
}

export function evidenceWindows(events: readonly TimedEvent[], badSeconds: ReadonlyMap<number, number>, resolutionMs: number, maxWindows = 20): EvidenceSection['windows'] {
  // The biggest windows first when there are too many to keep.
  const windows = anomalyWindows(badSeconds).sort((a, b) => b.bad - a.bad).slice(0, maxWindows).sort((a, b) => a.fromMs - b.fromMs);
  return windows.map((w) => ({
    label: `${(w.fromMs / 1000).toFixed(0)}–${(w.toMs / 1000).toFixed(0)} s: ${w.bad} answer(s) not ok`,
    reason: 'anomalies' as const,
    fromMs: w.fromMs,
    toMs: w.toMs,
    // A cause is logged at or just before its effect: look one log resolution earlier.
    top: topKinds(events, w.fromMs - resolutionMs, w.toMs),
  }));
}

export interface LostUserTrace {
  user: string;
  /** ms since the load start of its first answer that was not ok; null: none (lost at the final read). */
  lostAtMs: number | null;
  nodes: string[];
}

/** The events around each lost user's loss on the components it touched (its nodes, the balancer, Redis). */
export function lostUserEvidence(events: readonly TimedEvent[], users: readonly LostUserTrace[]): EvidenceSection['lostUsers'] {
  return users.slice(0, MAX_LOST_USERS).map((u) => {
    const touched = (component: string) => u.nodes.includes(component) || !component.startsWith('node-');
    const near = u.lostAtMs === null ? [] : events.filter((e) => Math.abs(e.t - u.lostAtMs!) <= AROUND_MS && touched(e.component));
    // Known kinds first, then the nearest.
    const ranked = [...near].sort((a, b) => Number(a.kind === 'other') - Number(b.kind === 'other') || Math.abs(a.t - u.lostAtMs!) - Math.abs(b.t - u.lostAtMs!));
    return { user: u.user, lostAtMs: u.lostAtMs, nodes: u.nodes, events: ranked.slice(0, MAX_USER_EVENTS).sort((a, b) => a.t - b.t).map(example) };
  });
}
