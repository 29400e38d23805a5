/**
 * redis-restart: Redis shuts down (SHUTDOWN: every client connection is closed) and starts again
 * on the same address when healed (`duration`, default 1s, or `restoreAt`). `keepData: true`
 * saves its data on the way down and loads it on the way up (a Redis with persistence);
 * `false` (default) restarts it empty, as the lab's Redis without persistence would: every
 * session is gone. What it shows with persistent phpredis connections: each PHP-FPM worker
 * holds a connection to the Redis that went away.
 */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import type { FaultKind } from './fault-kind.js';

const schema = faultSchema.extend({
  type: z.literal('redis-restart'),
  target: z.string().default('redis'),
  duration: faultSchema.shape.at.default('1s'),
  keepData: z.boolean().default(false),
});
type Spec = z.output<typeof schema>;

export const redisRestartFault: FaultKind<Spec> = {
  type: 'redis-restart',
  schema,
  links: () => [],
  defaultTarget: 'redis',
  // A Redis left stopped would fail the final reads and the Redis inspection.
  healAtTeardown: true,
  checkTarget: (spec, topology) =>
    !topology.hasRedis ? 'this fault needs Redis: use a redis strategy (redis, redis-locking, ...)' : spec.target === 'redis' ? null : `target "${spec.target}" must be "redis"`,
  async apply(ctx, spec) {
    if (!ctx.topology.stopRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot restart Redis`);
    await ctx.topology.stopRedis({ keepData: spec.keepData });
    ctx.log(`Redis shut down (${spec.keepData ? 'data saved' : 'data dropped'}): every connection to it is closed`);
  },
  async heal(ctx, spec) {
    if (!ctx.topology.restoreRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot restart Redis`);
    await ctx.topology.restoreRedis();
    ctx.log(`Redis started again on the same address (${spec.keepData ? 'with its saved sessions' : 'empty: every session is gone'})`);
  },
};
