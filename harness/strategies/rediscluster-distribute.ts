import { redisClusterStrategy } from './rediscluster-handler.js';

/** phpredis `rediscluster` with failover=distribute: session reads may go to replicas (stale when they lag). */
export const redisclusterDistributeStrategy = redisClusterStrategy(
  'rediscluster-distribute',
  'session.save_handler=rediscluster (phpredis) on a Redis Cluster, failover=distribute (reads from masters and replicas), round-robin balancing, no session locking',
  'distribute',
);
