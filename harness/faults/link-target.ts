/** Resolves which links a link fault touches, from its target. */
import type { LinkKind } from './proxy-links.js';
import type { FaultTopology } from './fault-kind.js';

/** "redis" -> every node's Redis link; "node-N" -> the balancer's link to that node. */
export function linkKindOf(target: string): LinkKind {
  return target === 'redis' ? 'redis' : 'balancer';
}

export function linkTargetCheck(spec: { target?: string }, topology: FaultTopology): string | null {
  if (spec.target === 'redis') return topology.hasRedis || topology.redisClusterNodes ? null : 'target "redis" needs a redis strategy';
  if (spec.target && topology.nodeNames.includes(spec.target)) return null;
  return `target "${spec.target ?? ''}" must be "redis" (every node's Redis link) or a node (${topology.nodeNames.join(', ')}: the balancer's link to it)`;
}
