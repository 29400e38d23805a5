/**
 * result.json — the versioned contract between a run and everything downstream
 * (report, gate, capacity). Validated on read; unknown extra sections are kept so newer
 * writers stay readable.
 */
import { z } from 'zod';

export const RESULT_SCHEMA_ID = 'php-session-lab/result@1';

export const outcomeNames = ['ok', 'reset', 'stale', 'ahead', 'error', 'leak'] as const;
export type OutcomeName = (typeof outcomeNames)[number];
/** Outcomes that mean the session did not hold what the user's model expected. */
export const anomalyOutcomes = ['reset', 'stale', 'ahead', 'leak'] as const satisfies readonly OutcomeName[];

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const outcomeCountsSchema = z.object({
  ok: count,
  reset: count,
  stale: count,
  ahead: count,
  error: count,
  leak: count,
});
export type OutcomeCounts = z.infer<typeof outcomeCountsSchema>;

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
  /** reset + stale + ahead + leak answered in this second. */
  anomalies: count,
  p50: ms,
  p99: ms,
  outcomes: outcomeCountsSchema,
  /** Answers per backend node in this second (node name -> count). */
  nodes: z.record(z.string(), count),
});
export type TimelinePoint = z.infer<typeof timelinePointSchema>;

export const faultWindowSchema = z.object({
  type: z.string(),
  target: z.string(),
  /** ms since the workload started. */
  startMs: ms,
  /** ms since the workload started; the end of the run when the fault was never healed. */
  endMs: ms,
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
  source: z.enum(['scenario', 'cli', 'baseline']).optional(),
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

export const balancerRetrySchema = z.object({
  balancer: z.enum(['nginx', 'haproxy']),
  /** One sentence: what the balancer does with a request whose node fails. */
  summary: z.string(),
  /** The exact directives written into the balancer config. */
  directives: z.array(z.string()),
  retriesGetOnOtherNode: z.boolean(),
  connectTimeoutMs: z.number().nonnegative(),
});
export type BalancerRetry = z.infer<typeof balancerRetrySchema>;

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

export const resultSchema = z
  .object({
    schema: z.literal(RESULT_SCHEMA_ID),
    runId: z.string(),
    scenario: z.string(),
    description: z.string().optional(),
    startedAt: z.string(),
    strategy: z.string(),
    balancer: z.enum(['nginx', 'haproxy']),
    provider: z.enum(['local', 'docker', 'external']),
    nodes: z.number().int().positive(),
    durationMs: ms,
    requests: z.object({
      total: count,
      ok: count,
      errors: count,
      rps: z.number().nonnegative(),
      timeouts: count,
      non2xx: count,
      connectionErrors: count,
    }),
    latencyMs: latencySummarySchema,
    /** Latency percentile spectrum (HDR style): percentile (0..100) -> ms. */
    latencyPercentiles: z.array(z.object({ percentile: z.number(), ms })),
    sessions: z.object({
      users: count,
      intact: count,
      recovered: count,
      lost: count,
      /** Users the workload never got an answer for (not judged). */
      unserved: count,
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
    /** Optional sections written by other parts of the harness (serialization, concurrency, redis, gate). */
    serialization: z.unknown().optional(),
    concurrency: z.unknown().optional(),
    redis: z.unknown().optional(),
    gate: z.unknown().optional(),
    repeat: z.unknown().optional(),
  })
  .passthrough();

export type RunResult = z.infer<typeof resultSchema>;
