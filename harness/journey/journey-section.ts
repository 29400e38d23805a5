/** result.journey: per step, how its answers were judged, and the first failures with an excerpt of the answer. */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const JOURNEY_SAMPLES_PER_STEP = 5;

export const journeyStepStatsSchema = z.object({
  name: z.string(),
  phase: z.enum(['once', 'steps']),
  requests: count,
  ok: count,
  /** Judged by the session assertion: the user was logged out (counted as `reset` in result.outcomes). */
  loggedOut: count,
  error: count,
  leak: count,
  /** Extractions that found nothing, and checks that failed (an answer may have both). */
  extractFailed: count,
  checkFailed: count,
  failures: z.array(
    z.object({
      t: z.number().nonnegative(),
      user: z.string(),
      status: z.number().int(),
      outcome: z.enum(['logged-out', 'error', 'leak']),
      reason: z.string(),
      excerpt: z.string(),
    }),
  ),
});

export const journeySectionSchema = z.object({
  /** How result.outcomes reads for a journey: `reset` counts logged-out answers. */
  outcomeMapping: z.literal('logged-out=reset'),
  steps: z.array(journeyStepStatsSchema),
  /** The step the final read repeats. */
  finalRead: z.string(),
});

export type JourneyStepStats = z.infer<typeof journeyStepStatsSchema>;
export type JourneySection = z.infer<typeof journeySectionSchema>;
