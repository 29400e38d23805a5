/** Parses k6-style durations: "500ms", "20s", "1.5m", "1m30s", "2h". Returns milliseconds. */
import { quoted } from '../util/one-line.js';

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) {
    throw new Error(`${quoted(text)} is not a duration: use e.g. 500ms, 20s, 1m30s`);
  }
  let total = 0;
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * unitMs[m[2] as string]!;
  }
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * A point or span on the run's timeline: a duration ("20s") or a share of the workload's
 * duration ("33%"), so a scenario shortened with --duration keeps its fault at the same place.
 */
export function parseTimePoint(text: string, runDurationMs: number | undefined): number {
  const percent = /^(\d+(\.\d+)?)%$/.exec(text.trim());
  if (!percent) return parseDuration(text);
  if (runDurationMs === undefined) throw new Error(`${quoted(text)} is a share of the run: set workload.duration too`);
  return Math.round((Number(percent[1]) / 100) * runDurationMs);
}

export function isTimePoint(text: string): boolean {
  if (/^(\d+(\.\d+)?)%$/.test(text.trim())) return Number.parseFloat(text) <= 100;
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}
