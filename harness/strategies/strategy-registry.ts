/** Adding a strategy: one file plus one line here. */
import type { Strategy } from './strategy.js';
import { filesStrategy } from './files.js';
import { affinityStrategy } from './affinity.js';
import { redisStrategy } from './redis.js';
import { redisLockingStrategy } from './redis-locking.js';
import { redisLockingDefaultStrategy } from './redis-locking-default.js';
import { redisclusterStrategy } from './rediscluster.js';
import { redisclusterDistributeStrategy } from './rediscluster-distribute.js';

const strategies: readonly Strategy[] = [
  filesStrategy,
  affinityStrategy,
  redisStrategy,
  redisLockingStrategy,
  redisLockingDefaultStrategy,
  redisclusterStrategy,
  redisclusterDistributeStrategy,
];

export const strategyNames = strategies.map((s) => s.name);

export function findStrategy(name: string): Strategy | undefined {
  return strategies.find((s) => s.name === name);
}
