/** Target checks shared by fault kinds. */
import type { FaultTopology } from './fault-kind.js';

export function nodeTargetCheck(spec: { target?: string }, topology: Pick<FaultTopology, 'nodeNames'>): string | null {
  return spec.target && topology.nodeNames.includes(spec.target)
    ? null
    : `target "${spec.target ?? ''}" is not a node of this topology: use one of ${topology.nodeNames.join(', ')}`;
}

const singleRedisOnly = 'this fault needs Redis: use a redis strategy (redis, redis-locking, ...)';
function noSingleRedis(topology: FaultTopology): string | null {
  if (topology.hasRedis) return null;
  return topology.redisClusterNodes ? `${singleRedisOnly}; with a Redis Cluster use redis-master-kill or redis-manual-failover` : singleRedisOnly;
}

/** Redis itself (a process or server fault): the target must be "redis", and the topology must have one. */
export function redisTargetCheck(spec: { target?: string }, topology: FaultTopology): string | null {
  const problem = noSingleRedis(topology);
  if (problem) return problem;
  return spec.target === 'redis' ? null : `target "${spec.target ?? ''}" must be "redis"`;
}

/** "redis" (every node's link to Redis) or "node-N" (that node's link only); with a cluster "redis" or "redis-N" (every client's link to that cluster node). */
export function redisLinkTargetCheck(spec: { target?: string }, topology: FaultTopology): string | null {
  const cluster = topology.redisClusterNodes;
  if (!topology.hasRedis && cluster) {
    if (spec.target === 'redis' || (spec.target && cluster.includes(spec.target))) return null;
    return `target "${spec.target ?? ''}" must be "redis" (every cluster node's links) or a node of the Redis Cluster (${cluster.join(', ')}: every client's link to it)`;
  }
  const problem = noSingleRedis(topology);
  if (problem) return problem;
  if (spec.target === 'redis' || (spec.target && topology.nodeNames.includes(spec.target))) return null;
  return `target "${spec.target ?? ''}" must be "redis" (all nodes) or one of ${topology.nodeNames.join(', ')}`;
}

/** A node of the Redis Cluster (redis-1, ...): only with a rediscluster strategy. */
export function clusterNodeTargetCheck(spec: { target?: string }, topology: FaultTopology): string | null {
  const names = topology.redisClusterNodes;
  if (!names) return 'this fault needs a Redis Cluster: use a rediscluster strategy (rediscluster, rediscluster-distribute)';
  return spec.target && names.includes(spec.target) ? null : `target "${spec.target ?? ''}" is not a node of the Redis Cluster: use one of ${names.join(', ')}`;
}

/** A master of the Redis Cluster: a node name, or "master" (the master serving slot 0 when the fault applies). */
export function clusterMasterTargetCheck(spec: { target?: string }, topology: FaultTopology): string | null {
  if (spec.target === 'master' && topology.redisClusterNodes) return null;
  const problem = clusterNodeTargetCheck(spec, topology);
  return problem && topology.redisClusterNodes ? `${problem}, or "master" (the master serving slot 0)` : problem;
}
