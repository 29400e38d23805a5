/** redis-down: the nodes' Redis links disabled (listener and open connections closed); Redis itself keeps running. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { redisLinkTargetCheck } from './fault-targets.js';
import { linkNames, setLinksEnabled } from './proxy-links.js';

const schema = faultSchema.extend({ type: z.literal('redis-down'), target: z.string().default('redis') });
type Spec = z.output<typeof schema>;

export const redisDownFault: FaultKind<Spec> = {
  type: 'redis-down',
  schema,
  links: () => ['redis'],
  defaultTarget: 'redis',
  healAtTeardown: true,
  checkTarget: redisLinkTargetCheck,
  async apply(ctx, spec) {
    await setLinksEnabled(ctx, linkNames(ctx, 'redis', spec.target), false);
    ctx.log(`Redis unreachable from ${spec.target === 'redis' ? 'every node' : spec.target}`);
  },
  async heal(ctx, spec) {
    await setLinksEnabled(ctx, linkNames(ctx, 'redis', spec.target), true);
    ctx.log('Redis reachable again');
  },
};
