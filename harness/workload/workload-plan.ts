/** What the scenario's workload means for the runner: closed or open model, planned length, arrival schedule. */
import type { Scenario } from '../scenario/scenario-schema.js';
import { parseDuration } from '../scenario/duration.js';
import { ArrivalSchedule } from './arrival-schedule.js';

type Workload = Scenario['workload'];

export type LoadModel = 'open' | 'closed';

export function loadModel(w: Pick<Workload, 'model' | 'rate' | 'stages'>): LoadModel {
  return w.model ?? (w.rate !== undefined || w.stages !== undefined ? 'open' : 'closed');
}

/** The run's planned length: its duration, its stages, or (open model) requests at the rate; undefined for a closed run bounded only by count. */
export function plannedDurationMs(w: Pick<Workload, 'duration' | 'stages' | 'rate' | 'requests'>): number | undefined {
  if (w.stages) return w.stages.reduce((sum, s) => sum + parseDuration(s.duration), 0);
  if (w.duration) return parseDuration(w.duration);
  if (w.rate !== undefined && w.requests !== undefined) return Math.ceil((w.requests / w.rate) * 1000);
  return undefined;
}

/** The open model's clock; null for the closed model. */
export function arrivalSchedule(w: Workload): ArrivalSchedule | null {
  if (loadModel(w) !== 'open') return null;
  if (w.stages) return new ArrivalSchedule(w.stages.map((s) => ({ durationMs: parseDuration(s.duration), target: s.target })), w.startRate);
  if (w.rate !== undefined) return ArrivalSchedule.constant(w.rate, plannedDurationMs(w)!);
  return null;
}

/** Closed model with stages: connections over time, ramping linearly from `connections` through each target. */
export function connectionRamp(w: Workload): Array<{ durationMs: number; target: number }> | null {
  if (loadModel(w) !== 'closed' || !w.stages) return null;
  return w.stages.map((s) => ({ durationMs: parseDuration(s.duration), target: s.target }));
}

/**
 * Open model: requests in flight at most (k6's maxVUs). Default 4 x connections: a stall (a
 * node killed, a failover) holds every connection for a moment, and the starts due meanwhile
 * wait in the pool's queue — their latency from the intended start counts the wait — instead
 * of being dropped at once (with = connections, a node kill dropped about 1% of the starts).
 */
export function maxInFlightOf(w: Pick<Workload, 'maxInFlight' | 'connections'>): number {
  return w.maxInFlight ?? 4 * w.connections;
}
