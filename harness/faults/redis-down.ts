/** redis-down: the nodes' Redis links cut (mode refuse: disabled, listener and open connections closed; blackhole: connections accepted, nothing passes); Redis itself keeps running. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { redisLinkTargetCheck } from './fault-targets.js';
import { cutLinks, linkCutModes, linkNames, restoreLinks, toxicNameFor } from './proxy-links.js';

const schema = faultSchema.extend({
  type: z.literal('redis-down'),
  target: z.string().default('redis'),
  /** refuse: the proxy is disabled (connections refused, open ones closed); blackhole: connections accepted, nothing passes. */
  mode: z.enum(linkCutModes).default('refuse'),
});
type Spec = z.output<typeof schema>;

export const redisDownFault: FaultKind<Spec> = {
  type: 'redis-down',
  schema,
  links: () => ['redis'],
  defaultTarget: 'redis',
  healAtTeardown: true,
  checkTarget: redisLinkTargetCheck,
  async apply(ctx, spec) {
    await cutLinks(ctx, linkNames(ctx, 'redis', spec.target), spec.mode, toxicNameFor('redis-down', spec.at));
    ctx.log(spec.mode === 'blackhole' ? `Redis blackholed from ${spec.target === 'redis' ? 'every node' : spec.target} (connections accepted, no byte passes)` : `Redis unreachable from ${spec.target === 'redis' ? 'every node' : spec.target}`);
  },
  async heal(ctx, spec) {
    await restoreLinks(ctx, linkNames(ctx, 'redis', spec.target), spec.mode, toxicNameFor('redis-down', spec.at));
    ctx.log('Redis reachable again');
  },
};
