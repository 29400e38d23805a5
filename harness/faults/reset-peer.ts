/** reset-peer: connections on a link are reset (RST) after `timeout` ms of their first data. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { linkKindOf, linkTargetCheck } from './link-target.js';
import { addToxic, linkNames, removeToxic, toxicNameFor } from './proxy-links.js';

const schema = faultSchema.extend({
  type: z.literal('reset-peer'),
  target: z.string().default('redis'),
  timeout: z.number().int().min(0).max(60_000).default(0),
  toxicity: z.number().min(0).max(1).default(1),
});
type Spec = z.output<typeof schema>;
const toxicName = (spec: Spec) => toxicNameFor('reset-peer', spec.at);

export const resetPeerFault: FaultKind<Spec> = {
  type: 'reset-peer',
  schema,
  links: (spec) => [linkKindOf(spec.target)],
  defaultTarget: 'redis',
  checkTarget: linkTargetCheck,
  async apply(ctx, spec) {
    await addToxic(ctx, linkNames(ctx, linkKindOf(spec.target), spec.target), {
      name: toxicName(spec),
      type: 'reset_peer',
      stream: 'downstream',
      toxicity: spec.toxicity,
      attributes: { timeout: spec.timeout },
    });
    ctx.log(`connections to ${spec.target} reset after ${spec.timeout} ms (toxicity ${spec.toxicity})`);
  },
  async heal(ctx, spec) {
    await removeToxic(ctx, linkNames(ctx, linkKindOf(spec.target), spec.target), toxicName(spec));
    ctx.log(`no more resets on ${spec.target}`);
  },
};
