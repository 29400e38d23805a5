/** redis-server settings the plan decides, shared by the local and docker providers. */
import type { RedisPersistence } from '../topology-types.js';

/** redis-server arguments for a persistence setting (topology.redis.persistence). */
export function redisPersistenceArgs(persistence: RedisPersistence): string[] {
  switch (persistence) {
    case 'none':
      return ['--save', '', '--appendonly', 'no'];
    case 'rdb':
      // Redis's own default save points: a snapshot after 1 h / 1 change, 5 min / 100, 1 min / 10,000.
      return ['--save', '3600 1 300 100 60 10000', '--appendonly', 'no'];
    case 'aof':
      return ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'];
  }
}

/**
 * Redis's latency monitor keeps events at least this long (ms): a session command normally
 * takes well under 1 ms, so what it records is a stall worth showing as evidence.
 */
export const REDIS_LATENCY_THRESHOLD_MS = 50;

/** Every redis-server argument the plan decides: persistence, and the latency monitor on. */
export function redisServerArgs(persistence: RedisPersistence): string[] {
  return [...redisPersistenceArgs(persistence), '--latency-monitor-threshold', String(REDIS_LATENCY_THRESHOLD_MS)];
}
