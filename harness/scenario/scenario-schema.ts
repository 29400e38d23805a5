/**
 * A scenario is plain data (k6 style). This schema validates it before anything starts and
 * reports every problem at once, each naming the field.
 */
import { z } from 'zod';
import { balancerNames } from '../topology/balancers/balancer-registry.js';
import { providerNames } from '../topology/provider-names.js';
import { isTimePoint, parseDuration } from './duration.js';
import { isThresholdMetric, parseThresholdExpression, thresholdMetricsHelp } from '../thresholds/threshold-expression.js';
import { phpIniKeyProblem, phpIniLimits, phpIniValueProblem } from './php-ini-rules.js';
import { quoted } from '../util/one-line.js';
import { appSchema } from '../app/app-schema.js';
import { journeySchema } from '../journey/journey-schema.js';
import { connectionReusePresets, DEFAULT_CONNECTION_REUSE } from '../topology/connection-reuse.js';
import { externalSettingsSchema } from '../topology/external/external-settings.js';

/** Bounds every scenario is checked against (README: Overrides). */
export const scenarioLimits = {
  /** workload.duration, and any fault or step time given as a duration. */
  maxRunMs: 24 * 3_600_000,
  /** workload.timeout (per request). */
  maxTimeoutMs: 10 * 60_000,
  /** The workload's PRNG takes a 32-bit seed. */
  maxSeed: 2 ** 32 - 1,
  maxFaults: 256,
  maxSteps: 256,
} as const;

/** 86_400_000 -> "24h", 600_000 -> "10m". */
export function limitText(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A problem with a positive duration of at most maxMs, or null. */
export function durationProblem(text: string, maxMs: number): string | null {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    return (error as Error).message;
  }
  if (!(ms > 0)) return `${quoted(text)} is not more than 0: give a positive duration (e.g. 20s)`;
  if (ms > maxMs) return `${quoted(text)} is more than the maximum of ${limitText(maxMs)}`;
  return null;
}

const boundedDuration = (maxMs: number) =>
  z.string().superRefine((text, ctx) => {
    const problem = durationProblem(text, maxMs);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });

/** topology.redis.cluster: the Redis Cluster of the rediscluster strategies. */
export const redisClusterSchema = z
  .object({
    masters: z.number().int().min(3, 'a Redis Cluster needs at least 3 masters (a majority must outlive one lost master)').max(16).default(3),
    /** Replicas per master. */
    replicas: z.number().int().min(0).max(5).default(1),
    /** cluster-node-timeout: how long a node may be unreachable before it is flagged failing (Redis's default: 15s). */
    nodeTimeout: boundedDuration(600_000).default('15s'),
    /** cluster-require-full-coverage: stop serving every slot while any slot has no master (Redis's default: true). */
    requireFullCoverage: z.boolean().default(true),
  })
  .strict();

export const topologySchema = z
  .object({
    nodes: z.number().int().min(1).max(16).default(3),
    /** Defaults to the strategy's preferred balancer (affinity: haproxy; others: nginx). */
    balancer: z.enum(balancerNames).optional(),
    strategy: z.string().min(1),
    provider: z.enum(providerNames).default('local'),
    /** The deployment provider 'external' uses (docs/external-provider.md): URLs, node names, commands, logs. */
    external: externalSettingsSchema.optional(),
    /** PHP-FPM children per node (pm = static). */
    phpChildren: z.number().int().min(1).max(64).default(4),
    /** session.serialize_handler on every node. */
    serializer: z.enum(['php', 'php_binary', 'php_serialize', 'igbinary', 'msgpack']).default('php'),
    /** Extra php.ini settings for every node, e.g. {"session.gc_maxlifetime": "600"}. */
    phpIni: z
      .record(z.string(), z.string())
      .superRefine((record, ctx) => {
        const entries = Object.entries(record);
        if (entries.length > phpIniLimits.maxEntries) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${entries.length} settings, more than ${phpIniLimits.maxEntries}` });
        }
        for (const [key, value] of entries) {
          const problem = phpIniKeyProblem(key) ?? phpIniValueProblem(value);
          if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: problem });
        }
      })
      .default({}),
    /** Extra data every session carries (stored on the first visit, read and written on every request). */
    sessionPayload: z.enum(['none', 'cart', 'large']).default('none'),
    /** Your PHP application instead of the built-in app (docs/your-app.md); needs workload.mode 'journey'. */
    app: appSchema.optional(),
    /**
     * Toxiproxy proxies on the links: 'auto' (default) = on the links this scenario's faults
     * act on, so runs without network faults measure the stack without a proxy hop; 'all'
     * (or true) = every balancer->node and node->Redis link; 'none' (or false) = no proxies.
     */
    proxies: z.union([z.boolean(), z.enum(['auto', 'all', 'none'])]).default('auto'),
    /**
     * Connection reuse per link (docs/connection-reuse.md): 'stock' = each server's own default
     * (nginx balancer: a connection per request; HAProxy: http-reuse safe; nginx -> PHP-FPM: a
     * connection per request; phpredis persistent=0), 'production' = reuse on every link,
     * 'none' = on no link, or per link { balancer, fastcgi, redis } (unset links: stock).
     * Default { balancer: true }: what the harness always rendered.
     */
    connectionReuse: z
      .union([
        z.enum(connectionReusePresets),
        z.object({ balancer: z.boolean().optional(), fastcgi: z.boolean().optional(), redis: z.boolean().optional() }).strict(),
      ])
      .default(DEFAULT_CONNECTION_REUSE),
    /**
     * How long the balancer waits to connect to a node and for its answer (nginx
     * proxy_connect_timeout / proxy_read_timeout, HAProxy timeout connect / timeout server).
     * Unset: the balancer's defaults (nginx 200ms / 30s, HAProxy 100ms / 30s).
     */
    balancerTimeouts: z
      .object({ connect: boundedDuration(60_000).optional(), read: boundedDuration(scenarioLimits.maxTimeoutMs).optional() })
      .strict()
      .default({}),
    /** The Redis store (redis strategies). */
    redis: z
      .object({
        /** What a restarted Redis still has: 'none' (nothing on disk), 'rdb' (snapshots; one at SHUTDOWN), 'aof' (append-only, fsync every second). */
        persistence: z.enum(['none', 'rdb', 'aof']).default('none'),
        /**
         * phpredis session.save_path `timeout=` (connect) and `read_timeout=`, in seconds, or
         * 'default' to leave them out (phpredis's own: connect = default_socket_timeout, 60 s;
         * read_timeout 0 = wait forever for an answer).
         */
        timeout: z.union([z.number().positive().max(600), z.literal('default')]).default(2),
        readTimeout: z.union([z.number().positive().max(600), z.literal('default')]).default(2),
        /** A Redis Cluster (rediscluster strategies only; defaults apply when they run without it). */
        cluster: redisClusterSchema.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const workloadSchema = z
  .object({
    users: z.number().int().min(1).max(1_000_000),
    connections: z.number().int().min(1).max(4096),
    /** Bound by time ("60s")... */
    duration: boundedDuration(scenarioLimits.maxRunMs).optional(),
    /** ...and/or by total request count. */
    requests: z.number().int().min(1).max(100_000_000).optional(),
    /**
     * 'closed': `connections` loops that each wait for their answer (wrk); 'open': requests on a
     * clock (rate or stages), whatever the stack does (k6's arrival-rate executors, wrk2).
     * Default: open when rate or stages are given, closed otherwise.
     */
    model: z.enum(['closed', 'open']).optional(),
    /** Open model: fixed total request rate (req/s), started on a clock. */
    rate: z.number().positive().max(1_000_000).optional(),
    /**
     * Ramps, each going linearly to its target (k6 stages). Open model: targets are req/s
     * (ramping-arrival-rate). Closed model (model: 'closed'): targets are connections
     * (ramping-vus), starting from `connections`: warm-up, capacity ramps.
     */
    stages: z
      .array(z.object({ duration: boundedDuration(scenarioLimits.maxRunMs), target: z.number().min(0).max(1_000_000) }).strict())
      .min(1)
      .max(100)
      .optional(),
    /** Open model: req/s when the first stage begins (default: its target). */
    startRate: z.number().min(0).max(1_000_000).optional(),
    /** Open model: requests in flight at most (k6's maxVUs); a start due beyond it is dropped. Default: 4 x connections. */
    maxInFlight: z.number().int().min(1).max(100_000).optional(),
    /** A request that takes longer counts as an error (timeout). */
    timeout: boundedDuration(scenarioLimits.maxTimeoutMs).default('5s'),
    /**
     * 'visits': every request is one visit of one user (one in flight per user).
     * 'bursts': each user fires `burstSize` simultaneous increments, then checks the count.
     */
    mode: z.enum(['visits', 'bursts', 'journey']).default('visits'),
    /** 'journey' mode: each user's steps, extractions, checks and session assertion (docs/your-app.md). */
    journey: journeySchema.optional(),
    burstSize: z.number().int().min(2).max(256).default(10),
    /** Each request works this long (ms) with its session open (?work=): what holds a session lock in real apps. */
    workMs: z.number().int().min(0).max(1000).default(0),
  })
  .strict()
  .refine((w) => w.duration !== undefined || w.requests !== undefined || w.stages !== undefined, {
    message: 'set workload.duration (e.g. "20s"), workload.requests (e.g. 10000) or workload.stages: a run must be bounded',
    path: ['duration'],
  })
  .refine((w) => !(w.rate !== undefined && w.stages !== undefined), {
    message: 'give workload.rate (a constant arrival rate) or workload.stages (a ramp), not both',
    path: ['stages'],
  })
  .refine((w) => !(w.stages !== undefined && w.duration !== undefined), {
    message: 'workload.stages set the run\'s length: leave out workload.duration (or use rate with duration)',
    path: ['duration'],
  })
  .refine((w) => !(w.model === 'closed' && w.rate !== undefined), {
    message: "workload.rate is an arrival rate: it needs model 'open' (or leave model out)",
    path: ['rate'],
  })
  .refine((w) => !(w.model === 'open' && w.rate === undefined && w.stages === undefined), {
    message: "model 'open' needs workload.rate (req/s) or workload.stages",
    path: ['model'],
  })
  .refine((w) => !(w.model === 'closed' && w.stages?.some((s) => !Number.isInteger(s.target) || s.target < 1 || s.target > 4096)), {
    message: 'closed-model stages count connections: each target a whole number from 1 to 4096',
    path: ['stages'],
  })
  .refine((w) => !(w.mode === 'bursts' && (w.rate !== undefined || (w.stages !== undefined && w.model !== 'closed'))), {
    message: 'bursts mode fires simultaneous requests per user: it needs the closed model (leave out rate; stages only with model closed)',
    path: ['mode'],
  })
  .refine((w) => !((w.startRate !== undefined || w.maxInFlight !== undefined) && (w.model === 'closed' || (w.rate === undefined && w.stages === undefined))), {
    message: 'startRate and maxInFlight belong to the open model: set workload.rate or workload.stages (and no model closed)',
    path: ['maxInFlight'],
  });

const timePoint = z.string().superRefine((text, ctx) => {
  if (!isTimePoint(text)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${quoted(text)} is not a time: use a duration (20s, 1m30s) or a share of the run (33%)` });
  } else if (!text.trim().endsWith('%') && parseDuration(text) > scenarioLimits.maxRunMs) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${quoted(text)} is after the longest possible run (${limitText(scenarioLimits.maxRunMs)})` });
  }
});

/** Generic part of a fault; its type-specific attributes are checked by the fault registry. */
export const faultSchema = z
  .object({
    type: z.string().min(1),
    target: z.string().optional(),
    at: timePoint,
    duration: timePoint.optional(),
    restoreAt: timePoint.optional(),
  })
  .passthrough();

const thresholdEntry = z.union([
  z.string(),
  z.object({ threshold: z.string(), abortOnFail: z.boolean().default(false) }).strict(),
]);

export const thresholdsSchema = z
  .record(z.string(), z.array(thresholdEntry))
  .superRefine((record, ctx) => {
    for (const [metric, entries] of Object.entries(record)) {
      if (!isThresholdMetric(metric)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [metric],
          message: `unknown threshold metric "${metric}": use one of ${thresholdMetricsHelp}`,
        });
        continue;
      }
      entries.forEach((entry, i) => {
        const text = typeof entry === 'string' ? entry : entry.threshold;
        try {
          parseThresholdExpression(metric, text);
        } catch (error) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [metric, i], message: (error as Error).message });
        }
      });
    }
  });

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes'),
    description: z.string().default(''),
    topology: topologySchema,
    workload: workloadSchema,
    faults: z.array(faultSchema).max(scenarioLimits.maxFaults).default([]),
    thresholds: thresholdsSchema.default({}),
    /** The built-in checks every run has (harness/checks/run-checks.ts). */
    checks: z
      .object({
        /** Share of users that must be judged (token stored and final read answered). */
        minJudgedShare: z.number().min(0).max(1).default(0.95),
        /** Error rate above which the stack counts as unhealthy before the first fault (the run is invalid). */
        maxErrorRateBeforeFault: z.number().min(0).max(1).default(0.01),
      })
      .strict()
      .default({}),
    /** Measurement windows reported separately in result.steps (e.g. one per latency level). */
    steps: z
      .array(
        z
          .object({
            label: z.string().min(1),
            from: timePoint,
            to: timePoint,
            params: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
          })
          .strict(),
      )
      .max(scenarioLimits.maxSteps)
      .default([]),
    /** Seeds the workload's PRNG (32 bits). */
    seed: z.number().int().min(0).max(scenarioLimits.maxSeed).default(1),
    /** Serialization bench: PHP-side encode/decode per handler, then one end-to-end run per handler. */
    serialization: z
      .object({
        profiles: z.array(z.enum(['tiny', 'cart', 'large'])).min(1).default(['tiny', 'cart', 'large']),
        samples: z.number().int().min(1).max(100).default(7),
        sampleMs: z.number().int().min(10).max(10_000).default(100),
        endToEnd: z.array(z.enum(['php', 'php_binary', 'php_serialize', 'igbinary', 'msgpack'])).default(['php', 'php_binary', 'php_serialize', 'igbinary', 'msgpack']),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type FaultSpec = z.output<typeof faultSchema>;
export type ThresholdEntry = z.output<typeof thresholdEntry>;
