/** The session-key figures the Redis and the Redis Cluster sections share (zod shape). */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const sessionKeysShape = {
  /** Session keys after the run (the prefix's keys, lock keys excluded; a cluster: on every master). */
  keys: count,
  /** phpredis lock keys still present (`<key>_LOCK`). */
  lockKeys: count,
  ttlMinS: z.number().nullable(),
  ttlMaxS: z.number().nullable(),
  keysWithoutTtl: count,
  /** session.gc_maxlifetime: the TTL every key should have. */
  expectedTtlS: z.number().nonnegative(),
};
