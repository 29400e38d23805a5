/** node-slow: latency on the balancer's link to a node. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { nodeTargetCheck } from './fault-targets.js';
import { addToxic, linkNames, removeToxic, toxicNameFor } from './proxy-links.js';

const schema = faultSchema.extend({
  type: z.literal('node-slow'),
  target: z.string().default('node-1'),
  latency: z.number().int().min(0).max(60_000).default(100),
  jitter: z.number().int().min(0).max(60_000).default(0),
});
type Spec = z.output<typeof schema>;
const toxicName = (spec: Spec) => toxicNameFor('node-slow', spec.at);

export const nodeSlowFault: FaultKind<Spec> = {
  type: 'node-slow',
  schema,
  links: () => ['balancer'],
  defaultTarget: 'node-1',
  checkTarget: nodeTargetCheck,
  async apply(ctx, spec) {
    await addToxic(ctx, linkNames(ctx, 'balancer', spec.target), {
      name: toxicName(spec),
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: spec.latency, jitter: spec.jitter },
    });
    ctx.log(`${spec.target} slowed by ${spec.latency} ms`);
  },
  async heal(ctx, spec) {
    await removeToxic(ctx, linkNames(ctx, 'balancer', spec.target), toxicName(spec));
    ctx.log(`${spec.target} back to normal speed`);
  },
};
