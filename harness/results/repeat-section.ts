/** result.repeat: how a --repeat result was folded from its runs (median-result.ts). Zod only. */
import { z } from 'zod';

const range = z.object({ min: z.number(), max: z.number() });

export const repeatSectionSchema = z.object({
  runs: z.number().int().min(1),
  /** The run whose timeline, faults and environment the folded result carries. */
  timelineFrom: z.string(),
  /** The run whose sessions, outcomes, error counts, concurrency and samples it carries. */
  worstRun: z.string(),
  perRun: z.array(
    z.object({
      runId: z.string(),
      rps: z.number().nonnegative(),
      p99: z.number().nonnegative(),
      errors: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      lost: z.number().int().nonnegative(),
      leak: z.number().int().nonnegative(),
    }),
  ),
  spread: z.object({ rps: range, p99: range }),
});
export type RepeatSummary = z.infer<typeof repeatSectionSchema>;
