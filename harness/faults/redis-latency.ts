/** redis-latency: a latency toxic (+ jitter) on the nodes' links to Redis. */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import type { FaultKind } from './fault-kind.js';
import { redisLinkTargetCheck } from './fault-targets.js';
import { addToxic, linkNames, removeToxic, toxicNameFor } from './proxy-links.js';

const schema = faultSchema.extend({
  type: z.literal('redis-latency'),
  target: z.string().default('redis'),
  latency: z.number().int().min(0).max(60_000).default(5),
  jitter: z.number().int().min(0).max(60_000).default(0),
  stream: z.enum(['downstream', 'upstream']).default('downstream'),
});
type Spec = z.output<typeof schema>;
const toxicName = (spec: Spec) => toxicNameFor('redis-latency', spec.at);

export const redisLatencyFault: FaultKind<Spec> = {
  type: 'redis-latency',
  schema,
  links: () => ['redis'],
  defaultTarget: 'redis',
  checkTarget: redisLinkTargetCheck,
  async apply(ctx, spec) {
    await addToxic(ctx, linkNames(ctx, 'redis', spec.target), {
      name: toxicName(spec),
      type: 'latency',
      stream: spec.stream,
      toxicity: 1,
      attributes: { latency: spec.latency, jitter: spec.jitter },
    });
    ctx.log(`Redis latency ${spec.latency} ms (jitter ${spec.jitter} ms, ${spec.stream}) on ${spec.target}`);
  },
  async heal(ctx, spec) {
    await removeToxic(ctx, linkNames(ctx, 'redis', spec.target), toxicName(spec));
    ctx.log(`Redis latency ${spec.latency} ms removed`);
  },
};
