import type { Strategy } from './strategy.js';
import { redisSavePath } from './redis-save-path.js';

/** phpredis `redis` session handler, one shared Redis, round-robin, locking off (phpredis default). */
export const redisStrategy: Strategy = {
  name: 'redis',
  description: 'session.save_handler=redis (phpredis) on one shared Redis, round-robin balancing, session locking off (the default)',
  storage: 'redis',
  routing: 'round-robin',
  preferredBalancer: 'nginx',
  needsRedis: true,
  sessionIni: ({ redis }) => ({
    'session.save_handler': 'redis',
    'session.save_path': redisSavePath(redis!),
    'redis.session.locking_enabled': '0',
  }),
};
