/**
 * A probe watches a run from the side and adds one typed section to result.json, in the
 * spirit of k6's outputs: the runner calls every probe at the same points of a fixed
 * pipeline and never knows what a probe measures.
 *
 *   create (the probe kind decides whether it applies to this run)
 *   -> start()            the stack is ready, the load has not begun: take baselines
 *   -> onLoadStart(t0)    the workload's clock starts (performance.now() ms)
 *   -> onRecord(r)        every answer (or failure) of the workload
 *   -> onLoadEnd()        the load is over and the faults are healed; before final reads add requests
 *   -> finish(end)        after the final reads, faults healed, the stack still up: the section
 *   close()               on every path out, finished or not (idempotent)
 */
import type { ZodType } from 'zod';
import type { UserModel } from '../checks/session-checker.js';
import type { Scenario } from '../scenario/scenario-schema.js';
import type { StartedTopology, TopologySpec } from '../topology/topology-types.js';
import type { RequestRecord } from '../workload/load-events.js';
import type { ConcurrencySection } from './concurrency-section.js';
import type { ConnectionsSection } from './connections-section.js';
import type { RedisClusterSection } from './redis-cluster-section.js';
import type { RedisSection } from './redis-section.js';
import type { EvidenceSection } from '../evidence/evidence-section.js';
import type { JourneySection } from '../journey/journey-section.js';

/** result.json keys written by probes, and the section each holds. */
export interface ProbeSections {
  redis: RedisSection;
  connections: ConnectionsSection;
  concurrency: ConcurrencySection;
  redisCluster: RedisClusterSection;
  evidence: EvidenceSection;
  journey: JourneySection;
}
export type ProbeSectionName = keyof ProbeSections;

/** What a probe kind may look at when it decides whether it applies, and when it starts. */
export interface ProbeContext {
  scenario: Scenario;
  spec: TopologySpec;
  topology: StartedTopology;
  /** The load generator's jobs (bursts mode: the BurstJobs whose counts the concurrency probe reads). */
  jobs: unknown;
  providerName: string;
  log: (message: string) => void;
  /** Probes started before this one (the connection probe leaves out the Redis probe's own client). */
  started: readonly ProbeSectionName[];
}

/** What a probe is told at the end. */
export interface ProbeEnd {
  /** Requests the workload made. */
  requests: number;
  /** The measured load duration, ms. */
  durationMs: number;
  users: readonly UserModel[];
  baseUrl: string;
  /** The run was cut short (Ctrl-C or abortOnFail before the end): no final reads were made. */
  aborted: boolean;
  /** The final reads ran (every user's session read once more, faults healed). */
  finalReadsDone: boolean;
}

export interface Probe<K extends ProbeSectionName = ProbeSectionName> {
  readonly section: K;
  start(): Promise<void>;
  onLoadStart(startedAt: number): void;
  onRecord?(record: RequestRecord): void;
  onLoadEnd(): Promise<void>;
  /** The section, or null when there is nothing to report (say why through the log). */
  finish(end: ProbeEnd): Promise<ProbeSections[K] | null>;
  close(): void;
}

/** A kind of probe, registered by name like faults and toxics. */
export interface ProbeKind<K extends ProbeSectionName = ProbeSectionName> {
  readonly section: K;
  /** The zod schema of the section it writes (result-schema.ts composes them). */
  readonly schema: ZodType<ProbeSections[K]>;
  /** A probe for this run, or null when it does not apply (no Redis, no counters, no bursts). */
  create(context: ProbeContext): Probe<K> | null;
}
