/** capacity.json (schema php-session-lab/capacity@1): every measurement, the fit, the plan and its validation. Zod only. */
import { z } from 'zod';
import { tierNames } from './service-demand.js';

export const CAPACITY_SCHEMA_ID = 'php-session-lab/capacity@1';

const num = z.number();
const nonneg = z.number().nonnegative();
const tier = z.enum(tierNames);

/** One measurement: ms of CPU per request of one tier (D = U / X), and the cores it kept busy (U). */
export const tierDemandSchema = z.object({ tier, cpuS: nonneg, utilization: nonneg, demandMs: nonneg });

export const capacityStepSchema = z.object({
  nodes: z.number().int().positive(),
  /** 1, 2, ... within its node count. */
  index: z.number().int().positive(),
  offeredRate: nonneg,
  durationMs: nonneg,
  users: z.number().int().positive(),
  requests: z.number().int().nonnegative(),
  throughput: nonneg,
  p50Ms: nonneg,
  p99Ms: nonneg,
  meanServiceMs: nonneg.nullable(),
  errors: z.number().int().nonnegative(),
  errorRate: nonneg,
  anomalies: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
  /** pass: met the SLO; fail: did not (the reasons say which part); invalid: a guard fired, not a measurement. */
  status: z.enum(['pass', 'fail', 'invalid']),
  reasons: z.array(z.string()),
  /** The step was stopped early (abortOnFail): it clearly failed. */
  stoppedEarly: z.boolean(),
  demands: z.array(tierDemandSchema),
  /** Host cores busy in the step, and those busy with processes that are not this run's. */
  hostBusyCores: nonneg.nullable(),
  otherCores: nonneg.nullable(),
  redisCommandsPerRequest: nonneg.nullable(),
  redisNetBytesPerRequest: nonneg.nullable(),
  phpRssPerProcessBytes: nonneg.nullable(),
  /** Bytes over the loopback interface per request (every local hop; other processes' loopback traffic included). */
  loopbackBytesPerRequest: nonneg.nullable(),
  /** Completed requests per whole second of the step (bootstrap). */
  perSecond: z.array(nonneg),
});
export type CapacityStep = z.infer<typeof capacityStepSchema>;

const source = z.string();
const figure = z.object({ value: num.nullable(), unit: z.string(), source });

export const capacitySchema = z.object({
  schema: z.literal(CAPACITY_SCHEMA_ID),
  scenario: z.string(),
  strategy: z.string(),
  balancer: z.string(),
  provider: z.string(),
  startedAt: z.string(),
  durationMs: nonneg,
  target: z.object({ rps: nonneg, p99Ms: nonneg, users: z.number().int().positive(), visitSpanS: nonneg, coresPerNode: nonneg, utilization: nonneg }),
  slo: z.string(),
  host: z.object({ cpus: z.number().int().positive(), sharedCores: z.boolean(), note: z.string() }),
  notes: z.array(z.string()),
  steps: z.array(capacityStepSchema),
  knees: z.array(
    z.object({
      nodes: z.number().int().positive(),
      /** Highest offered rate that met the SLO, and the throughput measured there; null when none did. */
      rate: nonneg.nullable(),
      throughput: nonneg.nullable(),
      /** Lowest offered rate that failed, when one did. */
      firstFailRate: nonneg.nullable(),
      /** Why the search stopped. */
      stoppedBecause: z.string(),
      demands: z.array(tierDemandSchema),
      bottleneck: tier.nullable(),
      predictedSaturation: z.object({ rate: nonneg, limitedBy: z.string(), constraints: z.array(z.object({ name: z.string(), rate: nonneg })) }).nullable(),
    }),
  ),
  usl: z
    .object({
      lambda: nonneg,
      sigma: nonneg,
      kappa: nonneg,
      underdetermined: z.boolean(),
      note: z.string(),
      peakNodes: nonneg.nullable(),
      peakRate: nonneg.nullable(),
      rmse: nonneg,
      points: z.array(z.object({ nodes: z.number().int().positive(), rate: nonneg })),
      curve: z.array(z.object({ nodes: nonneg, rate: nonneg, low: nonneg.nullable(), high: nonneg.nullable() })),
      what: z.string(),
    })
    .nullable(),
  redisMemory: z
    .object({
      bytesPerSession: nonneg,
      keysWritten: z.number().int().positive(),
      meanValueBytes: nonneg,
      memoryUsageOfOne: nonneg.nullable(),
      source,
    })
    .nullable(),
  plan: z.object({
    reachable: z.boolean(),
    verdict: z.string(),
    bottleneck: tier.nullable(),
    nodes: figure,
    maxChildren: figure,
    phpMemoryPerNode: figure,
    redisOpsPerSec: figure,
    redisCeilingOpsPerSec: figure,
    redisUtilization: figure,
    storedSessions: figure,
    redisMemoryBytes: figure,
    maxmemoryBytes: figure,
    networkBytesPerRequest: figure,
    redisNetBytesPerRequest: figure,
    evictionPolicies: z.array(z.object({ policy: z.string(), consequence: z.string() })),
  }),
  validation: z.object({
    /** One node's saturation rate predicted from its service demands, against its measured knee. */
    predictedRate: nonneg.nullable(),
    measuredKnee: nonneg.nullable(),
    /** |predicted - measured| / measured. */
    relativeError: nonneg.nullable(),
    tolerance: nonneg,
    passed: z.boolean().nullable(),
    note: z.string(),
  }),
});
export type CapacityResult = z.infer<typeof capacitySchema>;
