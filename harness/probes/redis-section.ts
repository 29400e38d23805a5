/** result.redis: what the Redis probe saw (redis-probe.ts), the store check included. Zod only. */
import { z } from 'zod';
import { storeCheckSectionSchema } from '../redis-inspect/store-check-section.js';
import { sessionKeysShape } from './session-keys-shape.js';

const count = z.number().int().nonnegative();
const verdict = z.object({ passed: z.boolean(), message: z.string() });

export const redisSectionSchema = z.object({
  ...sessionKeysShape,
  /** Users of the run (to compare with keys). */
  users: count,
  bytesPerSession: z.number().nonnegative().nullable(),
  /** Redis commands per second during the load (INFO commandstats before and after). */
  opsPerSec: z.number().nonnegative(),
  commandsPerRequest: z.number().nonnegative().nullable(),
  /** Commands per request, by command. */
  perCommand: z.record(z.string(), z.number().nonnegative()),
  ttlCheck: verdict,
  /** One more visit of one user pushes its key's TTL back up; null without a user to try it on. */
  ttlRefresh: verdict.nullable(),
  /** Keys Redis evicted to stay under maxmemory during the run (INFO stats evicted_keys; redis-memory-pressure). */
  evictedKeys: count.optional(),
  /** Commands Redis refused for lack of memory (INFO errorstats errorstat_OOM): session writes under noeviction. */
  oomRejections: count.optional(),
  /** Every 5 s during the run: keys in Redis and used memory. */
  samples: z.array(z.object({ t: z.number().nonnegative(), keys: count, usedMemoryBytes: count })),
  /**
   * Every user's key read straight from Redis, decoded with the run's serializer and compared
   * with the HTTP model (redis-inspect/store-check.ts). Absent when the run was cut short or
   * the store could not be read (then `storeCheckError` says why).
   */
  storeCheck: storeCheckSectionSchema.optional(),
  storeCheckError: z.string().optional(),
});
export type RedisSection = z.infer<typeof redisSectionSchema>;
