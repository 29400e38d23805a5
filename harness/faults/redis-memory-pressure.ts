/**
 * redis-memory-pressure: Redis's memory limit is lowered at run time (CONFIG SET maxmemory) to
 * leave room for only `share` of what its data used when the fault began, under
 * `maxmemory-policy` `policy`. With an evicting policy Redis deletes sessions to make room
 * (users logged out without a word: the checker sees resets); with `noeviction` it refuses the
 * writes instead (phpredis 5.3.7 throws "OOM command not allowed" out of session_write_close():
 * a 500, as measured by the redis-eviction scenario). Heal: the previous limit and policy. Redis's evicted keys and refused writes are in result.redis.
 */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import { withRedis } from '../redis-inspect/redis-connection.js';
import { readMemoryPressureCounters, type MemoryPressureCounters } from '../redis-inspect/memory-pressure.js';
import type { FaultKind } from './fault-kind.js';
import { redisTargetCheck } from './fault-targets.js';

export const maxmemoryPolicies = ['volatile-lru', 'volatile-lfu', 'volatile-ttl', 'volatile-random', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'] as const;

const schema = faultSchema.extend({
  type: z.literal('redis-memory-pressure'),
  target: z.string().default('redis'),
  /** The share of the data's memory (INFO used_memory_dataset) still allowed: 0.5 = half of the sessions fit. */
  share: z.number().gt(0).lt(1).default(0.5),
  policy: z.enum(maxmemoryPolicies).default('volatile-lru'),
});
type Spec = z.output<typeof schema>;

const field = (info: string, name: string): number => {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (!m) throw new HarnessError(`INFO memory has no ${name}`);
  return Number(m[1]);
};

/** The limit and policy before, and Redis's counters when the limit was lowered (the heal reports what changed while it held). */
interface Applied extends MemoryPressureCounters {
  maxmemory: string;
  policy: string;
}

/** The limit and policy in force before each application, per topology and fault (at), so the heal restores them. */
const previousByTopology = new WeakMap<object, Map<string, Applied>>();
function previousOf(topology: object): Map<string, Applied> {
  let map = previousByTopology.get(topology);
  if (!map) previousByTopology.set(topology, (map = new Map()));
  return map;
}

export const redisMemoryPressureFault: FaultKind<Spec> = {
  type: 'redis-memory-pressure',
  schema,
  links: () => [],
  defaultTarget: 'redis',
  // The limit lives in the Redis of this run only, but the final reads and the inspection must see it lifted.
  healAtTeardown: true,
  checkTarget: redisTargetCheck,
  async apply(ctx, spec) {
    const redis = ctx.topology.redis;
    if (!redis) throw new HarnessError('this topology has no Redis');
    const { limit, used, dataset } = await withRedis(redis, async (client) => {
      const [maxmemory, policy] = [(await client.config('GET', 'maxmemory')) as string[], (await client.config('GET', 'maxmemory-policy')) as string[]];
      const info = await client.info('memory');
      const used = field(info, 'used_memory');
      const dataset = field(info, 'used_memory_dataset');
      // Room for `share` of the data: the rest has to go (evicted) or cannot come in (noeviction).
      const limit = Math.max(1, Math.floor(used - (1 - spec.share) * dataset));
      previousOf(ctx.topology).set(spec.at, { maxmemory: maxmemory[1] ?? '0', policy: policy[1] ?? 'noeviction', ...(await readMemoryPressureCounters(client)) });
      await client.config('SET', 'maxmemory-policy', spec.policy);
      await client.config('SET', 'maxmemory', String(limit));
      return { limit, used, dataset };
    });
    ctx.log(`Redis maxmemory lowered to ${limit} B (${used} B used, ${dataset} B of data; room for ${Math.round(spec.share * 100)}% of it), policy ${spec.policy}`);
  },
  async heal(ctx, spec) {
    const redis = ctx.topology.redis;
    const previous = previousOf(ctx.topology);
    const before = previous.get(spec.at);
    if (!redis || !before) throw new HarnessError('nothing to restore: the memory limit was not lowered');
    const after = await withRedis(redis, async (client) => {
      const counters = await readMemoryPressureCounters(client);
      await client.config('SET', 'maxmemory', before.maxmemory);
      await client.config('SET', 'maxmemory-policy', before.policy);
      return counters;
    });
    previous.delete(spec.at);
    const observed = { evictedKeys: Math.max(0, after.evictedKeys - before.evictedKeys), oomRejections: Math.max(0, after.oomRejections - before.oomRejections) };
    ctx.log(
      `Redis maxmemory back to ${before.maxmemory === '0' ? 'unlimited' : `${before.maxmemory} B`}, policy ${before.policy}; ` +
        `while it held Redis evicted ${observed.evictedKeys} key(s) and refused ${observed.oomRejections} write(s) (OOM)`,
    );
    return observed;
  },
};
