/** bandwidth: caps a link's throughput (KB/s) in the downstream direction. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { linkKindOf, linkTargetCheck } from './link-target.js';
import { addToxic, linkNames, removeToxic, toxicNameFor } from './proxy-links.js';

const schema = faultSchema.extend({
  type: z.literal('bandwidth'),
  target: z.string().default('redis'),
  rate: z.number().int().min(1).max(10_000_000),
  stream: z.enum(['downstream', 'upstream']).default('downstream'),
});
type Spec = z.output<typeof schema>;
const toxicName = (spec: Spec) => toxicNameFor('bandwidth', spec.at);

export const bandwidthFault: FaultKind<Spec> = {
  type: 'bandwidth',
  schema,
  links: (spec) => [linkKindOf(spec.target)],
  defaultTarget: 'redis',
  checkTarget: linkTargetCheck,
  async apply(ctx, spec) {
    await addToxic(ctx, linkNames(ctx, linkKindOf(spec.target), spec.target), {
      name: toxicName(spec),
      type: 'bandwidth',
      stream: spec.stream,
      toxicity: 1,
      attributes: { rate: spec.rate },
    });
    ctx.log(`${spec.target} link capped at ${spec.rate} KB/s`);
  },
  async heal(ctx, spec) {
    await removeToxic(ctx, linkNames(ctx, linkKindOf(spec.target), spec.target), toxicName(spec));
    ctx.log(`${spec.target} link uncapped`);
  },
};
