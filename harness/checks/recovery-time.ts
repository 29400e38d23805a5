/**
 * Recovery time: from a fault's start (or heal) until the first 3 consecutive seconds with
 * answers and no errors and no anomalies. null when the run never got there.
 */
import type { FaultWindow, TimelinePoint } from '../results/result-schema.js';

export const CLEAN_SECONDS = 3;

function clean(point: TimelinePoint | undefined): boolean {
  return !!point && point.requests > 0 && point.errors === 0 && point.anomalies === 0;
}

export function recoveryFrom(timeline: TimelinePoint[], fromMs: number): number | null {
  const first = Math.floor(fromMs / 1000);
  for (let t = first; t + CLEAN_SECONDS <= timeline.length; t++) {
    let ok = true;
    for (let k = 0; k < CLEAN_SECONDS; k++) ok &&= clean(timeline[t + k]);
    if (ok) return Math.max(0, t * 1000 - fromMs);
  }
  return null;
}

/** Per fault that took effect (a fault whose apply failed has nothing to recover from). */
export function recoveryTimes(timeline: TimelinePoint[], faults: FaultWindow[], runEndMs: number) {
  return faults.filter((f) => f.status !== 'apply-failed').map((f) => ({
    fault: f.label ?? `${f.type} ${f.target}`,
    fromStartMs: recoveryFrom(timeline, f.startMs),
    fromHealMs: f.endMs < runEndMs ? recoveryFrom(timeline, f.endMs) : null,
  }));
}
