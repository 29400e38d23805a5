import { redisStrategy } from './redis-handler.js';

/** Redis with phpredis session locking, tuned so that no write is dropped (waits up to ~40 s). */
export const redisLockingStrategy = redisStrategy(
  'redis-locking',
  'phpredis redis handler with redis.session.locking_enabled=1, lock_wait_time=20000 us, lock_retries=2000, lock_expire=30',
  {
    'redis.session.locking_enabled': '1',
    'redis.session.lock_wait_time': '20000',
    'redis.session.lock_retries': '2000',
    'redis.session.lock_expire': '30',
  },
);
