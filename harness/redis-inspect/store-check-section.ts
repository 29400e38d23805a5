/**
 * result.redis.storeCheck: the store's own view of every user's session beside the HTTP
 * verdict (harness/redis-inspect/store-check.ts computes it). Zod only, so the result schema
 * can hold it without pulling in Redis or the checker.
 */
import { z } from 'zod';

export const STORE_CHECK_SAMPLES = 10;

const count = z.number().int().nonnegative();
const sampleValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const storeFields = ['token', 'user', 'visit_count'] as const;
export type StoreField = (typeof storeFields)[number];

/** What the store holds for a user, by the user's HTTP verdict. */
export const storeStatesSchema = z.object({
  /** The key decodes and holds the user's own token. */
  token: count,
  /** The key decodes and does not hold it. */
  noToken: count,
  missing: count,
  undecodable: count,
  /** No session id: nothing to read. */
  skipped: count,
});
export type StoreStates = z.infer<typeof storeStatesSchema>;

/** userVerdict's classes, with `lost` split: `leaked` = lost because it saw another user's session. */
export const storeVerdictKeys = ['intact', 'recovered', 'lost', 'leaked', 'unknown', 'unserved'] as const;
export type StoreVerdictKey = (typeof storeVerdictKeys)[number];

const disagreementSchema = z.object({
  user: z.string(),
  field: z.enum(storeFields),
  store: sampleValue,
  model: sampleValue,
  /** Why the two do not agree, in words. */
  rule: z.string(),
});
export type StoreDisagreement = z.infer<typeof disagreementSchema>;

const undecodableSampleSchema = z.object({
  user: z.string(),
  serializer: z.string(),
  code: z.string(),
  offset: z.number().int().nonnegative(),
  message: z.string(),
  /** Size of the stored value. */
  bytes: count,
});
export type StoreUndecodableSample = z.infer<typeof undecodableSampleSchema>;

export const storeCheckSectionSchema = z
  .object({
    /** `not-checked`: the serializer cannot be decoded here (see `reason`); every count is 0 but users/skipped. */
    status: z.enum(['checked', 'not-checked']),
    reason: z.string().optional(),
    prefix: z.string().min(1),
    serializer: z.string(),
    cookieName: z.string(),
    visitCountCompared: z.boolean(),
    /** Users given; = checked + skipped. */
    users: count,
    /** Users with a session id whose key was looked up; = agree + disagree + missing + undecodable. */
    checked: count,
    agree: count,
    disagree: count,
    missing: count,
    undecodable: count,
    skipped: count,
    /** Users that disagree on each field (a user may disagree on several). */
    disagreeByField: z.object({ token: count, user: count, visit_count: count }),
    samples: z.array(disagreementSchema).max(STORE_CHECK_SAMPLES),
    undecodableSamples: z.array(undecodableSampleSchema).max(STORE_CHECK_SAMPLES),
    /** Up to 10 users whose key is missing. */
    missingSamples: z.array(z.string()).max(STORE_CHECK_SAMPLES),
    byVerdict: z.object({
      intact: storeStatesSchema,
      recovered: storeStatesSchema,
      lost: storeStatesSchema,
      leaked: storeStatesSchema,
      unknown: storeStatesSchema,
      unserved: storeStatesSchema,
    }),
    /** Reading and decoding, ms. */
    durationMs: z.number().nonnegative(),
  })
  .superRefine((s, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    if (s.checked !== s.agree + s.disagree + s.missing + s.undecodable) problem('checked must be agree + disagree + missing + undecodable');
    if (s.users !== s.checked + s.skipped) problem('users must be checked + skipped');
    let byVerdict = 0;
    for (const key of storeVerdictKeys) for (const n of Object.values(s.byVerdict[key])) byVerdict += n;
    if (byVerdict !== s.users) problem(`byVerdict counts ${byVerdict} users, not ${s.users}`);
    if (s.status === 'not-checked' && !s.reason) problem('a not-checked section says why (reason)');
  });
export type StoreCheckSection = z.infer<typeof storeCheckSectionSchema>;
