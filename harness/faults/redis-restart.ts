/**
 * redis-restart: Redis goes away and starts again on the same address with the same data
 * directory when healed (`duration`, default 1s, or `restoreAt`), as in a deploy or a crash.
 * What it still has after the restart is what its persistence kept (topology.redis.persistence,
 * --redis-persistence): `none` nothing, `rdb` its last snapshot, `aof` the append-only file.
 * `mode: 'shutdown'` (default) is SHUTDOWN: Redis saves (rdb) or fsyncs (aof) on the way down;
 * `mode: 'crash'` is SIGKILL: only what was already on disk survives (aof with fsync every
 * second: about the last second of writes is lost; rdb: everything since the last snapshot).
 * Every client connection is closed, persistent phpredis connections included.
 */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import type { FaultKind } from './fault-kind.js';
import { redisTargetCheck } from './fault-targets.js';

const schema = faultSchema.extend({
  type: z.literal('redis-restart'),
  target: z.string().default('redis'),
  duration: faultSchema.shape.at.default('1s'),
  mode: z.enum(['shutdown', 'crash']).default('shutdown'),
});
type Spec = z.output<typeof schema>;

export const redisRestartFault: FaultKind<Spec> = {
  type: 'redis-restart',
  schema,
  links: () => [],
  defaultTarget: 'redis',
  // A Redis left stopped would fail the final reads and the Redis inspection.
  healAtTeardown: true,
  checkTarget: redisTargetCheck,
  async apply(ctx, spec) {
    if (!ctx.topology.stopRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot restart Redis`);
    await ctx.topology.stopRedis({ mode: spec.mode });
    const persistence = ctx.topology.spec.redisPersistence ?? 'none';
    ctx.log(`Redis ${spec.mode === 'crash' ? 'killed (SIGKILL)' : 'shut down (SHUTDOWN)'} with persistence ${persistence}: every connection to it is closed`);
  },
  async heal(ctx) {
    if (!ctx.topology.restoreRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot restart Redis`);
    await ctx.topology.restoreRedis();
    ctx.log(`Redis started again on the same address with what its persistence (${ctx.topology.spec.redisPersistence ?? 'none'}) kept`);
  },
};
