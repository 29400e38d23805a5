/**
 * result.json — the versioned contract between a run and everything downstream
 * (report, gate, capacity). Validated on read; unknown extra sections are kept so newer
 * writers stay readable.
 */
import { z } from 'zod';
import { balancerRetrySchema } from '../topology/balancers/balancer-kind.js';
import { balancerNames } from '../topology/balancers/balancer-registry.js';
import { providerNames } from '../topology/provider-names.js';
import { concurrencySectionSchema } from '../probes/concurrency-section.js';
import { journeySectionSchema } from '../journey/journey-section.js';
import { connectionsSectionSchema } from '../probes/connections-section.js';
import { redisClusterSectionSchema } from '../probes/redis-cluster-section.js';
import { evidenceSectionSchema } from '../evidence/evidence-section.js';
import { redisSectionSchema } from '../probes/redis-section.js';
import { serializationResultSectionSchema } from '../serialization/serialization-section.js';
import { gateVerdictSchema } from './gate-section.js';
import { repeatSectionSchema } from './repeat-section.js';

export { connectionLinkSchema, connectionsSectionSchema, type ConnectionLinkFigures, type ConnectionsSection } from '../probes/connections-section.js';
export type { ConcurrencySection } from '../probes/concurrency-section.js';
export type { RedisSection } from '../probes/redis-section.js';
export type { RedisClusterSection } from '../probes/redis-cluster-section.js';

export const RESULT_SCHEMA_ID = 'php-session-lab/result@1';

export const outcomeNames = ['ok', 'reset', 'stale', 'ahead', 'unsaved', 'error', 'leak'] as const;
export type OutcomeName = (typeof outcomeNames)[number];
/**
 * Outcomes that mean the session did not hold what the user's model expected. `unsaved`: a
 * 200 whose session could not be started or written (the app says so).
 */
export const anomalyOutcomes = ['reset', 'stale', 'ahead', 'unsaved', 'leak'] as const satisfies readonly OutcomeName[];

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const outcomeCountsSchema = z.object({
  ok: count,
  reset: count,
  stale: count,
  ahead: count,
  /** Results written before `unsaved` existed read as 0. */
  unsaved: count.default(0),
  error: count,
  leak: count,
});
export type OutcomeCounts = z.infer<typeof outcomeCountsSchema>;

/** reset + stale + ahead + unsaved + leak. */
export function anomalyCount(outcomes: OutcomeCounts): number {
  return anomalyOutcomes.reduce((sum, name) => sum + outcomes[name], 0);
}

export const latencySummarySchema = z.object({
  min: ms,
  mean: ms,
  p50: ms,
  p90: ms,
  p95: ms,
  p99: ms,
  p999: ms,
  max: ms,
});
export type LatencySummary = z.infer<typeof latencySummarySchema>;

export const timelinePointSchema = z.object({
  /** Second since the workload started (0, 1, 2, ...). */
  t: z.number().int().nonnegative(),
  requests: count,
  errors: count,
  /** reset + stale + ahead + unsaved + leak answered in this second. */
  anomalies: count,
  p50: ms,
  p99: ms,
  outcomes: outcomeCountsSchema,
  /** Answers per backend node in this second (node name -> count). */
  nodes: z.record(z.string(), count),
});
export type TimelinePoint = z.infer<typeof timelinePointSchema>;

export const faultStatuses = ['applied', 'apply-failed', 'heal-failed'] as const;
export type FaultStatus = (typeof faultStatuses)[number];

export const faultWindowSchema = z.object({
  type: z.string(),
  target: z.string(),
  /** ms since the workload started: when the fault was due and its apply began. */
  startMs: ms,
  /** ms since the workload started; the end of the run when the fault was never healed. */
  endMs: ms,
  /**
   * What really happened (Jepsen records failed nemesis operations): `applied` (and healed,
   * when a heal was due), `apply-failed` (the fault never took effect: nothing to shade),
   * `heal-failed`. Results written before it existed read as `applied`.
   */
  status: z.enum(faultStatuses).default('applied'),
  /** The apply or heal error, when one failed. */
  error: z.string().optional(),
  /** ms since the workload started when the apply completed (the fault was in effect). */
  appliedAtMs: ms.optional(),
  /** ms since the workload started when the heal completed. */
  healedAtMs: ms.optional(),
  /** What the fault saw of its own effect while it held, e.g. redis-memory-pressure's evicted keys and refused writes. */
  observed: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
  /** Human label for the report's shaded band, e.g. "node-kill node-2". */
  label: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type FaultWindow = z.infer<typeof faultWindowSchema>;

export const thresholdResultSchema = z.object({
  metric: z.string(),
  expression: z.string(),
  /** The observed value the expression was evaluated on (null when unknown). */
  actual: z.number().nullable(),
  /** true / false / null (= unknown: the metric could not be measured). */
  passed: z.boolean().nullable(),
  /** `builtin`: the health checks every run has (users judged, healthy before the first fault, faults applied). */
  source: z.enum(['scenario', 'cli', 'baseline', 'builtin']).optional(),
  message: z.string().optional(),
});
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;

export const envSchema = z.object({
  php: z.string().nullable(),
  nginx: z.string().nullable(),
  haproxy: z.string().nullable(),
  redis: z.string().nullable(),
  node: z.string(),
  phpredis: z.string().nullable().optional(),
  igbinary: z.string().nullable().optional(),
  msgpack: z.string().nullable().optional(),
  os: z.string().optional(),
  kernel: z.string().optional(),
  cpus: z.number().int().positive().optional(),
  cpuModel: z.string().optional(),
  memoryGiB: z.number().positive().optional(),
  hostname: z.string().optional(),
});
export type EnvInfo = z.infer<typeof envSchema>;

/** What the load model did: closed (connections waiting for answers) or open (a clock). */
export const workloadSectionSchema = z.discriminatedUnion('model', [
  z.object({
    model: z.literal('closed'),
    /** Connections at the start (the only count without stages). */
    connections: count,
    /** With stages (ramping connections): the most loops that ran at once. */
    peakConnections: count.optional(),
  }),
  z.object({
    model: z.literal('open'),
    connections: count,
    maxInFlight: count,
    /** Mean intended arrival rate over the schedule (req/s). */
    targetRate: z.number().nonnegative(),
    /** Starts the schedule intended during the load, those sent, and those dropped (k6's dropped_iterations). */
    intended: count,
    sent: count,
    achievedRate: z.number().nonnegative(),
    dropped: count,
    /** Dropped because every user had a request in flight (or was held after a timeout). */
    droppedNoUser: count,
    peakInFlight: count,
    /** The generator's own lateness (actual send - intended start, ms): part of latencyMs, its measurement error. */
    startLagMs: z.object({ p50: ms, p99: ms, max: ms }),
  }),
]);
export type WorkloadSection = z.infer<typeof workloadSectionSchema>;

export const latencyStepSchema = z.object({
  label: z.string(),
  startMs: ms,
  endMs: ms,
  requests: count,
  p50: ms,
  p99: ms,
  errors: count,
  anomalies: count,
  params: z.record(z.string(), z.unknown()).optional(),
});
export type LatencyStep = z.infer<typeof latencyStepSchema>;

const guardSummaryValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** One environment guard (harness/guards/): what it sampled, its threshold, whether and when it fired. */
export const guardReportSchema = z.object({
  /** Registry name: conntrack, exhaustion, event-loop, harness-cpu, cpu-steal, pre-run-load. */
  name: z.string(),
  title: z.string(),
  /** `not-available`: the guard could not look (a /proc file missing, no permission): never a silent pass. */
  status: z.enum(['ok', 'fired', 'not-available']),
  /** The documented threshold, one sentence. */
  threshold: z.string(),
  /** Why the guard is not available. */
  reason: z.string().optional(),
  samples: count,
  /** What the samples showed (peaks, percentiles, counters), by name. */
  summary: z.record(z.string(), guardSummaryValue),
  /** ms since the workload started when the threshold was first crossed (negative: before the workload, pre-run load). */
  firedAtMs: z.number().nullable(),
  cause: z.string().nullable(),
  /** What to change on the machine (the command). */
  fix: z.string().nullable(),
});
export type GuardReport = z.infer<typeof guardReportSchema>;

export const guardsSectionSchema = z.object({
  /** Sampling period. */
  intervalMs: ms,
  /** ms since the workload started of the last sample (the closing one, after the final reads). */
  lastSampleMs: z.number(),
  guards: z.array(guardReportSchema),
});
export type GuardsSection = z.infer<typeof guardsSectionSchema>;

export const resultSchema = z
  .object({
    schema: z.literal(RESULT_SCHEMA_ID),
    runId: z.string(),
    scenario: z.string(),
    description: z.string().optional(),
    startedAt: z.string(),
    strategy: z.string(),
    balancer: z.enum(balancerNames),
    provider: z.enum(providerNames),
    nodes: z.number().int().positive(),
    durationMs: ms,
    requests: z.object({
      total: count,
      ok: count,
      errors: count,
      rps: z.number().nonnegative(),
      /** Timed-out requests; each is also counted in the latency figures at the time it waited (k6 does too). */
      timeouts: count,
      non2xx: count,
      connectionErrors: count,
    }),
    /** Closed model: from each send. Open model: from each intended start (coordinated-omission free, as wrk2). */
    latencyMs: latencySummarySchema,
    /** Open model only: from each actual send (service time), beside latencyMs. */
    serviceTimeMs: latencySummarySchema.optional(),
    workload: workloadSectionSchema.optional(),
    /** Latency percentile spectrum (HDR style): percentile (0..100) -> ms. */
    latencyPercentiles: z.array(z.object({ percentile: z.number(), ms })),
    sessions: z.object({
      users: count,
      intact: count,
      recovered: count,
      lost: count,
      /** Users whose token was never acknowledged as stored (not judged). */
      unserved: count,
      /** Users whose final read failed: not judged (counts against the users-judged check). */
      unknown: count.default(0),
      /** lost / judged, judged = users - unserved - unknown. */
      lossRate: z.number().min(0).max(1),
    }),
    outcomes: outcomeCountsSchema,
    faults: z.array(faultWindowSchema),
    timeline: z.array(timelinePointSchema),
    /** Per-node totals (node name -> answers served). */
    nodesServed: z.record(z.string(), count),
    balancerRetry: balancerRetrySchema,
    env: envSchema,
    timing: z.object({ stackStartMs: ms, stackStopMs: ms }),
    /** The scenario exactly as run (after CLI overrides). */
    scenarioConfig: z.record(z.string(), z.unknown()),
    seed: z.number().int(),
    /** Up to 50 example anomalous answers, for the report. */
    anomalySamples: z.array(
      z.object({
        t: ms,
        user: z.string(),
        outcome: z.enum(outcomeNames),
        expected: z.number().int(),
        got: z.number().int().nullable(),
        node: z.string().nullable(),
        status: z.number().int(),
        detail: z.string().optional(),
      }),
    ),
    thresholds: z
      .object({ passed: z.boolean().nullable(), results: z.array(thresholdResultSchema) })
      .optional(),
    /**
     * The run's verdict: `passed`, `failed` (a threshold or check failed), `unknown` (one
     * could not be evaluated: fails unless --allow-unknown) or `invalid` (the stack was not
     * healthy before the first fault, or the machine spoiled the run: the figures mean nothing).
     */
    verdict: z
      .object({
        status: z.enum(['passed', 'failed', 'unknown', 'invalid']),
        reasons: z.array(z.string()),
        /** --repeat: each run's own verdict (correctness is judged per run: one bad run fails the repeat). */
        runs: z.array(z.object({ runId: z.string(), status: z.enum(['passed', 'failed', 'unknown', 'invalid']) })).optional(),
      })
      .optional(),
    /** Per fault: ms from its start (and heal) until 3 clean seconds in a row. */
    recovery: z
      .array(
        z.object({
          fault: z.string(),
          fromStartMs: ms.nullable(),
          fromHealMs: ms.nullable(),
        }),
      )
      .optional(),
    steps: z.array(latencyStepSchema).optional(),
    /** Environment guards sampled during the run (a fired guard makes the run invalid). Older results have none. */
    guards: guardsSectionSchema.optional(),
    /** New connections per request per link, and the connection reuse they ran with. Older results have none. */
    connections: connectionsSectionSchema.optional(),
    /** The serialization scenario: PHP-side bench and one end-to-end run per handler. */
    serialization: serializationResultSectionSchema.optional(),
    /** Bursts mode: lost updates under concurrent requests (the concurrency probe). */
    concurrency: concurrencySectionSchema.optional(),
    /** Workload mode 'journey': per step, its verdicts and first failures (harness/journey/). */
    journey: journeySectionSchema.optional(),
    /** Runs with a Redis store: keys, TTLs, commands per request, the store check (the Redis probe). */
    redis: redisSectionSchema.optional(),
    /** Runs with a Redis Cluster store: failover events, keys per master, users per original master, the store check (the Redis Cluster probe). */
    redisCluster: redisClusterSectionSchema.optional(),
    /** The components' log events tied to the timeline: what explains the anomalies (the evidence probe). */
    evidence: evidenceSectionSchema.optional(),
    /** Probes whose last readings failed (section -> why): their section is missing or partial. */
    probeErrors: z.record(z.string(), z.string()).optional(),
    /** The verdict of `npm run gate --write-result`. */
    gate: gateVerdictSchema.optional(),
    /** --repeat: how the result was folded from its runs. */
    repeat: repeatSectionSchema.optional(),
  })
  .passthrough();

export type RunResult = z.infer<typeof resultSchema>;
