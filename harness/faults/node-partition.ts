/** node-partition: the balancer's link to a node disabled — the node keeps running but cannot be reached. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { nodeTargetCheck } from './fault-targets.js';
import { linkNames, setLinksEnabled } from './proxy-links.js';

const schema = faultSchema.extend({ type: z.literal('node-partition'), target: z.string().default('node-1') });
type Spec = z.output<typeof schema>;

export const nodePartitionFault: FaultKind<Spec> = {
  type: 'node-partition',
  schema,
  links: () => ['balancer'],
  defaultTarget: 'node-1',
  healAtTeardown: true,
  checkTarget: nodeTargetCheck,
  async apply(ctx, spec) {
    await setLinksEnabled(ctx, linkNames(ctx, 'balancer', spec.target), false);
    ctx.log(`${spec.target} partitioned from the balancer (still running)`);
  },
  async heal(ctx, spec) {
    await setLinksEnabled(ctx, linkNames(ctx, 'balancer', spec.target), true);
    ctx.log(`${spec.target} reachable again`);
  },
};
