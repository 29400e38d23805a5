/**
 * Recovery time: from a fault's start (or heal) until the first 3 consecutive seconds with
 * answers and no errors and no anomalies after its effect began (the first second that was
 * not clean, from the start up to `untilMs`: a split-brain partition, say, shows nothing for
 * the node timeout). 0 when it had no visible effect; null when the run never got back.
 */
import type { FaultWindow, TimelinePoint } from '../results/result-schema.js';

export const CLEAN_SECONDS = 3;

function clean(point: TimelinePoint | undefined): boolean {
  return !!point && point.requests > 0 && point.errors === 0 && point.anomalies === 0;
}

export function recoveryFrom(timeline: TimelinePoint[], fromMs: number, untilMs = Infinity): number | null {
  const start = Math.floor(fromMs / 1000);
  const last = Math.min(timeline.length - 1, Math.floor(untilMs / 1000));
  let first = start;
  while (first <= last && clean(timeline[first])) first++;
  // No visible effect inside its window: recovered at once if the seconds from its start are clean.
  if (first > last) first = start;
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
    fromStartMs: recoveryFrom(timeline, f.startMs, f.endMs),
    fromHealMs: f.endMs < runEndMs ? recoveryFrom(timeline, f.endMs) : null,
  }));
}
