import { redisStrategy as defineRedisStrategy } from './redis-handler.js';

/** phpredis `redis` session handler, one shared Redis, round-robin, locking off (phpredis default). */
export const redisStrategy = defineRedisStrategy(
  'redis',
  'session.save_handler=redis (phpredis) on one shared Redis, round-robin balancing, session locking off (the default)',
  { 'redis.session.locking_enabled': '0' },
);
