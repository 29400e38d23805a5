import { redisClusterStrategy } from './rediscluster-handler.js';

/** phpredis `rediscluster` session handler, reads from masters (failover=error), round-robin, no locking. */
export const redisclusterStrategy = redisClusterStrategy(
  'rediscluster',
  'session.save_handler=rediscluster (phpredis) on a Redis Cluster, failover=error (reads from masters), round-robin balancing, no session locking',
  'error',
);
