/**
 * workload.journey: what each virtual user does, as plain data (k6's http API and Gatling's
 * checks in spirit). `once` runs first (log in), then `steps` repeat in order; every answer
 * of `steps` is judged against `session`: what proves the user is still logged in as itself.
 * `{{name}}` in a path, query, form, JSON body, header or check is a per-user variable: from
 * the feeder (`data`), built in (`vu` = u1, u2, ...; `n` = 1, 2, ...) or extracted by an
 * earlier step. Cross-field rules (variables defined before use, selectors that parse, a CSV
 * with a row per user) are in validate-journey.ts.
 */
import { z } from 'zod';
import { parseDuration } from '../scenario/duration.js';

const MAX_TEXT = 4096;
const text = z.string().max(MAX_TEXT);
const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a variable name: a letter or _, then letters, digits or _ (at most 64)');
const thinkTime = z.string().superRefine((value, ctx) => {
  try {
    if (parseDuration(value) > 600_000) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(value)} is more than the maximum of 10m` });
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
  }
});

/** Where a value is found in an answer: a regex (its first group, or `group`), a JSON path, or a CSS selector (its text, or `attr`). */
export const extractorSchema = z.union([
  z.object({ regex: text.min(1), group: z.number().int().min(0).max(99).optional() }).strict(),
  z.object({ json: text.min(1) }).strict(),
  z.object({ css: text.min(1), attr: z.string().min(1).max(128).optional() }).strict(),
]);

export const checkSchema = z.union([
  z.object({ status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1).max(20)]) }).strict(),
  z.object({ contains: text.min(1) }).strict(),
  z.object({ notContains: text.min(1) }).strict(),
  /** An extracted (or any) variable: it must equal `equals`, or match `matches`. */
  z.object({ var: varName, equals: text.optional(), matches: text.min(1).optional() }).strict(),
]);

export const stepSchema = z
  .object({
    name: z.string().min(1).max(64),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    /** Starts with "/": always on the scenario's stack, never another host. */
    path: text.regex(/^\/(?!\/)/, 'a path on the stack, starting with one "/" (e.g. "/doku.php")'),
    query: z.record(z.string().min(1).max(256), text).optional(),
    form: z.record(z.string().min(1).max(256), text).optional(),
    json: z.unknown().optional(),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name (letters, digits, -)'), text).optional(),
    /** Follow redirects on the stack's own origin (default true); false: the 3xx is the step's answer. */
    followRedirects: z.boolean().default(true),
    extract: z.record(varName, extractorSchema).optional(),
    check: z.array(checkSchema).max(32).default([]),
    /** Judge this step's answer with the session assertion (default: true in steps, false in once). */
    assertSession: z.boolean().optional(),
    /** Pause after this step before the user's next one (default: the journey's thinkTime). */
    thinkTime: thinkTime.optional(),
  })
  .strict()
  .refine((s) => !(s.form !== undefined && s.json !== undefined), { message: 'give form or json, not both', path: ['json'] })
  .refine((s) => !((s.form !== undefined || s.json !== undefined) && (s.method === 'GET' || s.method === 'HEAD')), {
    message: 'a body needs a method that carries one (POST, PUT, PATCH, DELETE)',
    path: ['method'],
  });

/** What proves the user is still logged in as itself. */
export const sessionAssertionSchema = z
  .object({
    /** The identity the page shows (e.g. the logged-in user's name). Found nothing: logged out. */
    identity: extractorSchema,
    /** The identity this user must see (e.g. "{{username}}"). Another one: a leak. */
    expect: text.min(1),
    /** More that only the session can hold (a token, a trail of visited pages): all must pass, or the user is logged out. */
    requires: z.array(checkSchema).max(16).default([]),
  })
  .strict();

export const journeySchema = z
  .object({
    /** Per-user data: a CSV with a header row and one row per user (row i for user i), and/or generated values ("user{n}"). */
    data: z
      .object({
        csv: z.string().min(1).max(1024).optional(),
        generate: z.record(varName, text.min(1)).optional(),
      })
      .strict()
      .default({}),
    once: z.array(stepSchema).max(64).default([]),
    steps: z.array(stepSchema).min(1, 'a journey needs at least one step').max(64),
    /** Required: a journey without one cannot tell a logged-in user from a logged-out one. */
    session: sessionAssertionSchema,
    /** The request of the final read after the load (default: the first of steps). */
    finalRead: z.string().min(1).max(64).optional(),
    /** Pause between a user's steps (default 0). */
    thinkTime: thinkTime.default('0s'),
  })
  .strict();

export type Extractor = z.output<typeof extractorSchema>;
export type JourneyCheck = z.output<typeof checkSchema>;
export type JourneyStep = z.output<typeof stepSchema>;
export type SessionAssertion = z.output<typeof sessionAssertionSchema>;
export type Journey = z.output<typeof journeySchema>;
