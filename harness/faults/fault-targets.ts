/** Target checks shared by fault kinds. */
export function nodeTargetCheck(spec: { target?: string }, topology: { nodeNames: readonly string[] }): string | null {
  return spec.target && topology.nodeNames.includes(spec.target)
    ? null
    : `target "${spec.target ?? ''}" is not a node of this topology: use one of ${topology.nodeNames.join(', ')}`;
}

/** Redis itself (a process or server fault): the target must be "redis", and the topology must have one. */
export function redisTargetCheck(spec: { target?: string }, topology: { hasRedis: boolean }): string | null {
  if (!topology.hasRedis) return 'this fault needs Redis: use a redis strategy (redis, redis-locking, ...)';
  return spec.target === 'redis' ? null : `target "${spec.target ?? ''}" must be "redis"`;
}

/** "redis" (every node's link to Redis) or "node-N" (that node's link only). */
export function redisLinkTargetCheck(spec: { target?: string }, topology: { nodeNames: readonly string[]; hasRedis: boolean }): string | null {
  if (!topology.hasRedis) return 'this fault needs Redis: use a redis strategy (redis, redis-locking, ...)';
  if (spec.target === 'redis' || (spec.target && topology.nodeNames.includes(spec.target))) return null;
  return `target "${spec.target ?? ''}" must be "redis" (all nodes) or one of ${topology.nodeNames.join(', ')}`;
}
