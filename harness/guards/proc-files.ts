/**
 * Reading the kernel's /proc files for the guards. Each read is a few hundred bytes, so a
 * guard can afford one per second. A file that cannot be read says why (it does not exist:
 * the module is not loaded; no permission), so the guard reports itself `not available`
 * with that reason instead of passing silently. Tests inject fixture texts through ReadText.
 */
import { readFileSync } from 'node:fs';

/** Reads a whole text file; throws like fs.readFileSync (err.code ENOENT, EACCES, ...). */
export type ReadText = (path: string) => string;

export const readProcText: ReadText = (path) => readFileSync(path, 'utf8');

export type ReadOutcome = { ok: true; text: string } | { ok: false; reason: string };

export function tryRead(read: ReadText, path: string): ReadOutcome {
  try {
    return { ok: true, text: read(path) };
  } catch (error) {
    return { ok: false, reason: unreadableReason(path, error) };
  }
}

export function unreadableReason(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `${path} does not exist`;
  if (code === 'EACCES' || code === 'EPERM') return `no permission to read ${path}`;
  return `${path} could not be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
}

/** A file holding one non-negative integer (nf_conntrack_count, nf_conntrack_max, ...). */
export function parseIntegerFile(text: string, path: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new Error(`${path}: expected one integer, got ${JSON.stringify(trimmed.slice(0, 40))}`);
  return Number(trimmed);
}

/** Aggregate CPU times from the first ("cpu ") line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  total: number;
  /** idle + iowait. */
  idle: number;
  /** Time the hypervisor ran something else while this VM wanted to run; null when the kernel has no steal column. */
  steal: number | null;
}

/**
 * /proc/stat "cpu  user nice system idle iowait irq softirq steal guest guest_nice": total is
 * the first eight (guest time is already counted in user).
 */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) throw new Error('/proc/stat: no aggregate "cpu" line');
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`/proc/stat: unreadable cpu line ${JSON.stringify(line.slice(0, 80))}`);
  const f = (i: number) => fields[i] ?? 0;
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: f(3) + f(4), steal: fields.length >= 8 ? f(7) : null };
}

/** Share of CPU time (0..1) that was busy between two /proc/stat samples; null when no tick passed. */
export function busyShare(a: CpuTimes, b: CpuTimes): number | null {
  const total = b.total - a.total;
  if (total <= 0) return null;
  return Math.min(1, Math.max(0, (total - (b.idle - a.idle)) / total));
}

/** Share of CPU time (0..1) stolen by the hypervisor between two samples; null when unknown. */
export function stealShare(a: CpuTimes, b: CpuTimes): number | null {
  const total = b.total - a.total;
  if (total <= 0 || a.steal === null || b.steal === null) return null;
  return Math.min(1, Math.max(0, (b.steal - a.steal) / total));
}

export interface LoadAverage {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities now (the "1" of "1/88"). */
  running: number;
}

/** /proc/loadavg: "2.24 3.51 2.11 1/88 28177". */
export function parseLoadavg(text: string): LoadAverage {
  const m = /^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\d+)\/(\d+)/.exec(text);
  if (!m) throw new Error(`/proc/loadavg: unreadable ${JSON.stringify(text.slice(0, 60))}`);
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]), running: Number(m[4]) };
}

/** The soft and hard limit of one row of /proc/self/limits ("Max open files  1024  1048576  files"); null = unlimited. */
export function parseLimit(text: string, row: string): { soft: number | null; hard: number | null } | undefined {
  const line = text.split('\n').find((l) => l.startsWith(row));
  if (!line) return undefined;
  const [soft, hard] = line.slice(row.length).trim().split(/\s+/);
  const value = (v: string | undefined) => (v === undefined || v === 'unlimited' ? null : Number(v));
  return { soft: value(soft), hard: value(hard) };
}

export const round = (n: number, digits = 3): number => Number(n.toFixed(digits));
