/** Fault windows of all compared results, merged into the shaded bands the charts draw. */
import type { FaultWindow, RunResult } from '../results/result-schema.js';

export interface FaultBand {
  /** Seconds since the workload started. */
  startS: number;
  endS: number;
  label: string;
  type: string;
  /** Index into the client's band palette (one color per fault type). */
  tone: number;
  /** True when the window lasted until the end of its run (never healed). */
  open: boolean;
  /**
   * A fault that failed: 'apply' = it never took effect, drawn as a marker, not as a shaded
   * window that held; 'heal' = its heal failed.
   */
  failed?: 'apply' | 'heal';
}

export const faultLabel = (f: FaultWindow): string => f.label ?? `${f.type} ${f.target}`;

/**
 * Runs of one scenario record nearly the same windows (a few ms apart): windows with the same
 * label that overlap, or lie within 1.5 s of each other, become one band spanning them all.
 */
export function mergeFaultBands(results: readonly RunResult[]): FaultBand[] {
  const types: string[] = [];
  const bands: FaultBand[] = [];
  const all = results.flatMap((r) => r.faults.map((f) => ({ f, runEndMs: r.durationMs })));
  all.sort((a, b) => a.f.startMs - b.f.startMs);
  for (const { f, runEndMs } of all) {
    if (!types.includes(f.type)) types.push(f.type);
    const label = faultLabel(f);
    const startS = f.startMs / 1000;
    const endS = Math.max(f.endMs, f.startMs) / 1000;
    const open = f.endMs >= runEndMs - 1;
    const failed = f.status === 'apply-failed' ? 'apply' : f.status === 'heal-failed' ? 'heal' : undefined;
    if (failed === 'apply') {
      // Nothing to shade: a marker where the fault was due.
      bands.push({ startS, endS: startS, label, type: f.type, tone: types.indexOf(f.type), open: false, failed });
      continue;
    }
    const same = bands.find((b) => b.label === label && b.failed !== 'apply' && startS <= b.endS + 1.5 && endS >= b.startS - 1.5);
    if (same) {
      same.startS = Math.min(same.startS, startS);
      same.endS = Math.max(same.endS, endS);
      same.open &&= open;
      if (failed) same.failed = failed;
    } else {
      bands.push({ startS, endS, label, type: f.type, tone: types.indexOf(f.type), open, ...(failed ? { failed } : {}) });
    }
  }
  return bands;
}
