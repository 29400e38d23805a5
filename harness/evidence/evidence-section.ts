/** result.evidence: the components' log events tied to the run's timeline (evidence-probe.ts). Zod only. */
import { z } from 'zod';
import { evidenceKinds, logFormats } from './evidence-types.js';

const count = z.number().int().nonnegative();
const kind = z.enum(evidenceKinds);

export const evidenceExampleSchema = z.object({
  /** ms since the load started (negative: before it). */
  t: z.number(),
  component: z.string(),
  kind,
  /** The raw log line (at most 500 characters). */
  line: z.string(),
});
export type EvidenceExample = z.infer<typeof evidenceExampleSchema>;

export const evidenceSectionSchema = z.object({
  /** How the components' clocks were aligned with the run's, in words (same host clock, log resolution). */
  clock: z.string(),
  /** The coarsest timestamp resolution among the logs read, ms (1000: a second). */
  resolutionMs: z.number().nonnegative(),
  /** Every log the run's components have, read or not: a component without logs is listed as such. */
  sources: z.array(
    z.object({
      component: z.string(),
      format: z.enum(logFormats),
      origin: z.string(),
      status: z.enum(['read', 'empty', 'unreadable']),
      /** Events parsed (every line with a timestamp; `other` included). */
      events: count,
      /** Lines without a readable timestamp. */
      untimed: count,
      error: z.string().optional(),
    }),
  ),
  /** Events per kind, from the load start to the end of the final reads. */
  kinds: z.record(kind, count),
  /** The kinds seen over the whole load, most frequent first, with examples (what a failed threshold points at). */
  overall: z.array(z.object({ kind, count, examples: z.array(evidenceExampleSchema).max(3) })).max(5),
  /** Per second of the run (t = whole seconds since the load start, like the timeline), counts per kind; only seconds with events. */
  perSecond: z.array(z.object({ t: z.number().int(), counts: z.record(kind, count) })),
  /** Anomaly windows (consecutive seconds with errors or anomalies) and failed thresholds: the kinds seen then, most frequent first, with example lines. */
  windows: z.array(
    z.object({
      label: z.string(),
      reason: z.enum(['anomalies', 'threshold']),
      fromMs: z.number(),
      toMs: z.number(),
      top: z.array(z.object({ kind, count, examples: z.array(evidenceExampleSchema).max(3) })).max(5),
    }),
  ),
  /** Up to 20 lost users: the events around the moment each was lost (its first answer that was not ok), on the components it touched. */
  lostUsers: z.array(
    z.object({
      user: z.string(),
      /** ms since the load start of its first answer that was not ok; null when it never had one (lost at the final read). */
      lostAtMs: z.number().nullable(),
      /** Nodes that answered it. */
      nodes: z.array(z.string()),
      events: z.array(evidenceExampleSchema).max(10),
      /** The PHP warnings its own answers carried (its first ones; component = the node that answered). */
      answerWarnings: z.array(evidenceExampleSchema).max(3).optional(),
    }),
  ),
  /**
   * The PHP warnings the answers carried in their JSON, by kind (the same rules as PHP's error
   * log). Apart from `kinds`: with log_errors on, each is in the error log too.
   */
  answers: z
    .object({
      answersWithWarnings: count,
      kinds: z.record(kind, count),
      top: z.array(z.object({ kind, count, examples: z.array(evidenceExampleSchema).max(3) })).max(5),
    })
    .optional(),
});
export type EvidenceSection = z.infer<typeof evidenceSectionSchema>;
