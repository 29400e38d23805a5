/**
 * One interface for both load models, both on undici: the closed model (connections that each
 * wait for their answer, optionally ramping) and the open model (a clock). The runner drives
 * either the same way and records what the model measured.
 */
import type { EventEmitter } from 'node:events';
import type { Scenario } from '../scenario/scenario-schema.js';
import { parseDuration } from '../scenario/duration.js';
import type { VirtualUserPool } from './virtual-users.js';
import type { JobSource } from './job-source.js';
import type { WorkloadEvents } from './load-events.js';
import { OpenWorkload } from './open-workload.js';
import { ClosedWorkload } from './closed-workload.js';
import { arrivalSchedule, connectionRamp, loadModel, maxInFlightOf, plannedDurationMs } from './workload-plan.js';
import type { WorkloadSection } from '../results/result-schema.js';

export interface LoadGenerator extends EventEmitter<WorkloadEvents> {
  readonly startedAt: number;
  run(): Promise<unknown>;
  stop(): void;
  /** What the load model did, for result.workload (measuredMs: the load's real length). */
  summary(measuredMs: number): WorkloadSection;
  /** Open model: starts dropped so far (for live thresholds); nothing for the closed model. */
  liveDropped(): { dropped?: number };
}

export interface LoadInput {
  workload: Scenario['workload'];
  baseUrl: string;
  pool: VirtualUserPool;
  jobs: JobSource;
  signal?: AbortSignal;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function createLoadGenerator(input: LoadInput): LoadGenerator {
  const w = input.workload;
  const timeoutMs = parseDuration(w.timeout);
  const durationMs = plannedDurationMs(w);
  const common = { baseUrl: input.baseUrl, pool: input.pool, jobs: input.jobs, timeoutMs, ...(input.signal ? { signal: input.signal } : {}) };
  const schedule = arrivalSchedule(w);
  if (loadModel(w) === 'open' && schedule) {
    const maxInFlight = maxInFlightOf(w);
    const open = new OpenWorkload({ ...common, schedule, connections: w.connections, maxInFlight, ...(w.requests !== undefined ? { requests: w.requests } : {}) });
    return Object.assign(open, {
      liveDropped: () => ({ dropped: open.stats.dropped }),
      summary(measuredMs: number): WorkloadSection {
        const s = open.stats;
        const seconds = measuredMs / 1000;
        return {
          model: 'open',
          connections: w.connections,
          maxInFlight,
          targetRate: round1(schedule.totalArrivals / (schedule.durationMs / 1000)),
          intended: s.intended,
          sent: s.sent,
          achievedRate: seconds > 0 ? round1(s.sent / seconds) : 0,
          dropped: s.dropped,
          droppedNoUser: s.droppedNoUser,
          peakInFlight: s.peakInFlight,
          startLagMs: open.startLag(),
        };
      },
    });
  }
  const ramp = connectionRamp(w);
  const closed = new ClosedWorkload({
    ...common,
    connections: w.connections,
    ...(ramp ? { ramp } : durationMs !== undefined ? { durationMs } : {}),
    ...(w.requests !== undefined ? { requests: w.requests } : {}),
  });
  return Object.assign(closed, {
    summary: (): WorkloadSection => ({ model: 'closed', connections: w.connections, ...(ramp ? { peakConnections: closed.peakConnections } : {}) }),
    liveDropped: () => ({}),
  });
}
