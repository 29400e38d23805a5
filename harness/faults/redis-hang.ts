/**
 * redis-hang: redis-server stops answering without going away (SIGSTOP; docker: `docker
 * pause`), as Redis does in a long fork, a slow command or a frozen host. Connections are
 * accepted and nothing answers: phpredis waits its `timeout` / `read_timeout`
 * (topology.redis), with phpredis's own defaults for ever. Heal: SIGCONT. A stopped Redis is
 * always continued before the stack stops.
 */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import type { FaultKind } from './fault-kind.js';
import { redisTargetCheck } from './fault-targets.js';

const schema = faultSchema.extend({ type: z.literal('redis-hang'), target: z.string().default('redis') });
type Spec = z.output<typeof schema>;

export const redisHangFault: FaultKind<Spec> = {
  type: 'redis-hang',
  schema,
  links: () => [],
  defaultTarget: 'redis',
  healAtTeardown: true,
  checkTarget: redisTargetCheck,
  async apply(ctx) {
    if (!ctx.topology.pauseRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot pause Redis`);
    await ctx.topology.pauseRedis();
    ctx.log('Redis hung (SIGSTOP: connections accepted, nothing answers)');
  },
  async heal(ctx) {
    if (!ctx.topology.resumeRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot resume Redis`);
    await ctx.topology.resumeRedis();
    ctx.log('Redis continued (SIGCONT)');
  },
};
