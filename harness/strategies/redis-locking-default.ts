import { redisStrategy } from './redis-handler.js';

/**
 * Locking on with the installed phpredis's default wait (5.3.7: 10 x 2000 us, about 20 ms).
 * A request that cannot get the lock still answers 200 and its write is dropped.
 */
export const redisLockingDefaultStrategy = redisStrategy(
  'redis-locking-default',
  'phpredis redis handler with redis.session.locking_enabled=1 and the default lock wait (phpredis 5.3.7: ~20 ms; timed-out writes are dropped with a 200)',
  { 'redis.session.locking_enabled': '1' },
);
