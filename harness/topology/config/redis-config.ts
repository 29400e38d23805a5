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
