/**
 * The serialization scenario's result section: the PHP-side bench (serialization-bench.ts) and
 * the end-to-end runs per handler (runner/run-serialization.ts). Zod only.
 */
import { z } from 'zod';

const rate = z.number().nonnegative();

export const serializationRowSchema = z.object({
  handler: z.string(),
  /** 'none', or the phpredis session compression (lzf | zstd | lz4). */
  compression: z.string(),
  profile: z.string(),
  encodeOpsPerSec: rate,
  decodeOpsPerSec: rate,
  /** Bytes the save handler would store (serialized, then compressed when compression != none). */
  bytes: z.number().int().nonnegative(),
  /** Median absolute deviation of the samples relative to the median, in percent. */
  encodeSpreadPct: rate,
  decodeSpreadPct: rate,
  samples: z.number().int().positive(),
  encodeMinMax: z.tuple([rate, rate]).optional(),
  decodeMinMax: z.tuple([rate, rate]).optional(),
});
export type SerializationRow = z.infer<typeof serializationRowSchema>;

export const serializationSkipSchema = z.object({
  /** '*' when the reason applies to every handler (e.g. compression unsupported). */
  handler: z.string(),
  compression: z.string().optional(),
  profile: z.string().optional(),
  reason: z.string().min(1),
});
export type SerializationSkip = z.infer<typeof serializationSkipSchema>;

export const serializationSectionSchema = z.object({
  phpredis: z.string().nullable(),
  compressionSupported: z.boolean(),
  compressionNote: z.string(),
  rows: z.array(serializationRowSchema),
  skipped: z.array(serializationSkipSchema),
  php: z.string().optional(),
  igbinary: z.string().nullable().optional(),
  msgpack: z.string().nullable().optional(),
  samples: z.number().int().positive().optional(),
  sampleMs: z.number().positive().optional(),
});
export type SerializationSection = z.infer<typeof serializationSectionSchema>;

/** One end-to-end run of the real stack with one session.serialize_handler. */
export const endToEndRowSchema = z.object({
  handler: z.string(),
  rps: rate,
  p50: rate,
  p99: rate,
  errors: z.number().int().nonnegative(),
  anomalies: z.number().int().nonnegative(),
  bytesPerSession: z.number().nonnegative().nullable(),
});
export type EndToEndRow = z.infer<typeof endToEndRowSchema>;

/** result.serialization: the bench's tables, then one end-to-end row per handler. */
export const serializationResultSectionSchema = serializationSectionSchema.extend({
  endToEnd: z.array(endToEndRowSchema),
  /** topology.sessionPayload of the end-to-end runs. */
  payload: z.string(),
  note: z.string(),
});
export type SerializationResultSection = z.infer<typeof serializationResultSectionSchema>;
