/**
 * The gate's verdict as result.json stores it under `gate` (and `npm run gate --json` writes
 * it): the schema lives with the results so the report can read it without the gate.
 */
import { z } from 'zod';

export const GATE_SCHEMA_ID = 'php-session-lab/gate@1';

export const gateCheckSchema = z.object({
  /** `check`: the built-in checks every run has (users judged, stack healthy before the first fault, faults applied). */
  kind: z.enum(['threshold', 'regression', 'check']),
  /** Threshold metric (latency, error_rate, ...) or regression key (p99, rps, ...). */
  metric: z.string(),
  /** The threshold expression ('p(99)<250') or the allowed regression ('+10%'). */
  expression: z.string(),
  /** Where the check came from: the scenario, --threshold, the recorded run, or a baseline. */
  source: z.enum(['scenario', 'cli', 'run', 'baseline', 'builtin']),
  actual: z.number().nullable(),
  /** Regressions: the baseline median. */
  baseline: z.number().nullable(),
  /** Regressions: the worst value still accepted. */
  limit: z.number().nullable(),
  /** true / false / null (= unknown: not measurable; fails the gate unless allowUnknown). */
  passed: z.boolean().nullable(),
  message: z.string(),
  /** Human-formatted cells for tables, Markdown and JUnit. */
  display: z.object({ expression: z.string(), actual: z.string(), baseline: z.string() }),
});
export type GateCheck = z.infer<typeof gateCheckSchema>;

export const gateVerdictSchema = z.object({
  schema: z.literal(GATE_SCHEMA_ID),
  /** false when any check failed, or one is unknown and unknowns are not allowed (--allow-unknown). */
  passed: z.boolean(),
  /** --allow-unknown; verdicts written before it existed have none. */
  allowUnknown: z.boolean().optional(),
  checkedAt: z.string(),
  result: z.object({ path: z.string(), runId: z.string(), scenario: z.string() }),
  baselines: z.array(z.object({ path: z.string(), runId: z.string() })),
  /** Allowed regressions as fractions (p99: 0.1 = 10%), null without baselines. */
  maxRegression: z.record(z.string(), z.number()).nullable(),
  counts: z.object({ passed: z.number().int().nonnegative(), failed: z.number().int().nonnegative(), unknown: z.number().int().nonnegative() }),
  /** E.g. a baseline run with other nodes or workload than the result (compared anyway). */
  warnings: z.array(z.string()),
  checks: z.array(gateCheckSchema),
});
export type GateVerdict = z.infer<typeof gateVerdictSchema>;
