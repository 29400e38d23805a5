import type { Strategy } from './strategy.js';
import { redisSavePath } from './redis-save-path.js';

/** Redis with phpredis session locking, tuned so that no write is dropped (waits up to ~40 s). */
export const redisLockingStrategy: Strategy = {
  name: 'redis-locking',
  description: 'phpredis redis handler with redis.session.locking_enabled=1, lock_wait_time=20000 us, lock_retries=2000, lock_expire=30',
  storage: 'redis',
  routing: 'round-robin',
  preferredBalancer: 'nginx',
  needsRedis: true,
  sessionIni: ({ redis }) => ({
    'session.save_handler': 'redis',
    'session.save_path': redisSavePath(redis!),
    'redis.session.locking_enabled': '1',
    'redis.session.lock_wait_time': '20000',
    'redis.session.lock_retries': '2000',
    'redis.session.lock_expire': '30',
  }),
};
