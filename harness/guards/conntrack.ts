/**
 * conntrack: with netfilter connection tracking active (Docker or any stateful iptables rule
 * loads it), every loopback connection of the stack takes an entry that stays 120 s in
 * TIME_WAIT; a few thousand req/s fill a 262,144-entry table in under a minute and the kernel
 * drops packets ("nf_conntrack: table full, dropping packet"). The stack's users then look
 * lost for what the machine did.
 *
 * Samples nf_conntrack_count against nf_conntrack_max (pressure) and the drop, insert_failed
 * and early_drop counters of /proc/net/stat/nf_conntrack (hex, one row per CPU, summed; the
 * header names the columns). Fires when any of the three grows between the baseline (before
 * the stack starts) and a sample, up to the closing sample after the final reads.
 */
import { GuardState, fmtCount, fmtPct, fmtSeconds, type GuardKind } from './guard-kind.js';
import { parseIntegerFile, tryRead, round, type ReadText } from './proc-files.js';

export const CONNTRACK_PATHS = {
  count: '/proc/sys/net/netfilter/nf_conntrack_count',
  max: '/proc/sys/net/netfilter/nf_conntrack_max',
  stat: '/proc/net/stat/nf_conntrack',
  timeWait: '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_time_wait',
} as const;

export interface ConntrackCounters {
  drop: number;
  insertFailed: number;
  earlyDrop: number;
  /** Per-CPU rows summed. */
  rows: number;
}

const COUNTER_COLUMNS = { drop: 'drop', insertFailed: 'insert_failed', earlyDrop: 'early_drop' } as const;

/**
 * /proc/net/stat/nf_conntrack: a header line of column names, then one row of hex numbers per
 * CPU. Column positions come from the header (they differ between kernels).
 */
export function parseConntrackStat(text: string): ConntrackCounters {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const header = lines[0]?.split(/\s+/) ?? [];
  const index = (column: string) => {
    const i = header.indexOf(column);
    if (i < 0) throw new Error(`${CONNTRACK_PATHS.stat}: no "${column}" column in its header (${JSON.stringify((lines[0] ?? '').slice(0, 120))})`);
    return i;
  };
  const at = { drop: index(COUNTER_COLUMNS.drop), insertFailed: index(COUNTER_COLUMNS.insertFailed), earlyDrop: index(COUNTER_COLUMNS.earlyDrop) };
  const sum: ConntrackCounters = { drop: 0, insertFailed: 0, earlyDrop: 0, rows: 0 };
  for (const line of lines.slice(1)) {
    const cells = line.split(/\s+/);
    if (cells.length < header.length || cells.some((c) => !/^[0-9a-f]+$/i.test(c))) {
      throw new Error(`${CONNTRACK_PATHS.stat}: unreadable row ${JSON.stringify(line.slice(0, 80))}`);
    }
    sum.drop += parseInt(cells[at.drop]!, 16);
    sum.insertFailed += parseInt(cells[at.insertFailed]!, 16);
    sum.earlyDrop += parseInt(cells[at.earlyDrop]!, 16);
    sum.rows++;
  }
  if (sum.rows === 0) throw new Error(`${CONNTRACK_PATHS.stat}: a header but no per-CPU row`);
  return sum;
}

export const droppedTotal = (c: ConntrackCounters): number => c.drop + c.insertFailed + c.earlyDrop;

/** A power of two at least 4x the current table and at least `atLeast`, never below 1,048,576. */
export function suggestedConntrackMax(current: number, atLeast = 0): number {
  let n = 1_048_576;
  while (n < current * 4 || n < atLeast) n *= 2;
  return n;
}

export function conntrackFix(currentMax: number, atLeast = 0): string {
  return (
    `raise the table: sysctl -w net.netfilter.nf_conntrack_max=${suggestedConntrackMax(currentMax, atLeast)} ` +
    '(or stop tracking loopback: iptables -t raw -A PREROUTING -i lo -j NOTRACK; iptables -t raw -A OUTPUT -o lo -j NOTRACK)'
  );
}

interface Reading {
  count: number;
  max: number;
  counters: ConntrackCounters;
}

function readConntrack(read: ReadText): Reading | { reason: string } {
  const count = tryRead(read, CONNTRACK_PATHS.count);
  if (!count.ok) return { reason: `${count.reason}: netfilter connection tracking is not loaded (or not visible here)` };
  const max = tryRead(read, CONNTRACK_PATHS.max);
  if (!max.ok) return { reason: max.reason };
  const stat = tryRead(read, CONNTRACK_PATHS.stat);
  if (!stat.ok) return { reason: `${stat.reason}: the drop counters cannot be read` };
  try {
    return { count: parseIntegerFile(count.text, CONNTRACK_PATHS.count), max: parseIntegerFile(max.text, CONNTRACK_PATHS.max), counters: parseConntrackStat(stat.text) };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

export const CONNTRACK_THRESHOLD =
  'fires when drop + insert_failed + early_drop of /proc/net/stat/nf_conntrack (summed over the CPUs) grow during the run: the kernel dropped packets of new connections';

const kind = { name: 'conntrack', title: 'conntrack table', threshold: CONNTRACK_THRESHOLD };

export const conntrackGuard: GuardKind = {
  ...kind,
  create(env) {
    const state = new GuardState(kind);
    let baseline: Reading | null = null;
    let last: Reading | null = null;
    let peak = 0;
    let peakAtMs: number | null = null;
    let first: number | null = null;

    const take = (tMs: number | null): void => {
      if (state.unavailable !== null) return;
      const reading = readConntrack(env.read);
      if ('reason' in reading) {
        if (baseline === null) state.notAvailable(reading.reason);
        return;
      }
      if (baseline === null) baseline = reading;
      last = reading;
      if (tMs === null) return;
      state.samples++;
      first ??= reading.count;
      if (reading.count > peak) {
        peak = reading.count;
        peakAtMs = Math.round(tMs);
      }
      const dropped = droppedTotal(reading.counters) - droppedTotal(baseline.counters);
      if (dropped > 0) {
        const c = reading.counters;
        const b = baseline.counters;
        state.fire(
          tMs,
          `the conntrack table held ${fmtCount(peak)} of ${fmtCount(reading.max)} entries (${fmtPct(peak / Math.max(1, reading.max))}) and the kernel dropped ` +
            `${fmtCount(dropped)} new connection(s) (drop +${c.drop - b.drop}, insert_failed +${c.insertFailed - b.insertFailed}, early_drop +${c.earlyDrop - b.earlyDrop}` +
            `, first at ${fmtSeconds(state.firedAtMs ?? tMs)})` +
            (c.drop > b.drop || c.earlyDrop > b.earlyDrop ? ': "nf_conntrack: table full, dropping packet"' : ': entries that failed to insert') +
            ' — the machine lost those requests, not the stack',
          conntrackFix(reading.max),
        );
      }
    };

    return {
      async beforeStack() {
        take(null);
      },
      sample: (tMs) => take(tMs),
      close: (tMs) => take(tMs),
      report() {
        const b = baseline as Reading | null;
        const l = last as Reading | null;
        const tw = tryRead(env.read, CONNTRACK_PATHS.timeWait);
        return state.report(
          b && l
            ? {
                countAtStart: first ?? b.count,
                countPeak: peak,
                countPeakAtMs: peakAtMs,
                max: l.max,
                peakUsage: round(peak / Math.max(1, l.max)),
                /** A count that never left 0: conntrack is loaded but tracks nothing in this network namespace. */
                tracking: peak > 0 || b.count > 0,
                drop: l.counters.drop - b.counters.drop,
                insertFailed: l.counters.insertFailed - b.counters.insertFailed,
                earlyDrop: l.counters.earlyDrop - b.counters.earlyDrop,
                timeWaitTimeoutS: tw.ok && /^\d+$/.test(tw.text.trim()) ? Number(tw.text.trim()) : null,
              }
            : {},
        );
      },
    };
  },
};
