/** node-partition: the balancer's link to a node cut (mode refuse: disabled; blackhole: connections accepted, nothing passes) — the node keeps running but cannot be reached. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { nodeTargetCheck } from './fault-targets.js';
import { cutLinks, linkCutModes, linkNames, restoreLinks, toxicNameFor } from './proxy-links.js';

const schema = faultSchema.extend({
  type: z.literal('node-partition'),
  target: z.string().default('node-1'),
  /** refuse: the proxy is disabled (connections refused, open ones closed); blackhole: connections accepted, nothing passes. */
  mode: z.enum(linkCutModes).default('refuse'),
});
type Spec = z.output<typeof schema>;

export const nodePartitionFault: FaultKind<Spec> = {
  type: 'node-partition',
  schema,
  links: () => ['balancer'],
  defaultTarget: 'node-1',
  healAtTeardown: true,
  checkTarget: nodeTargetCheck,
  async apply(ctx, spec) {
    await cutLinks(ctx, linkNames(ctx, 'balancer', spec.target), spec.mode, toxicNameFor('node-partition', spec.at));
    ctx.log(spec.mode === 'blackhole' ? `${spec.target} blackholed from the balancer (still running; connections accepted, no byte passes)` : `${spec.target} partitioned from the balancer (still running)`);
  },
  async heal(ctx, spec) {
    await restoreLinks(ctx, linkNames(ctx, 'balancer', spec.target), spec.mode, toxicNameFor('node-partition', spec.at));
    ctx.log(`${spec.target} reachable again`);
  },
};
