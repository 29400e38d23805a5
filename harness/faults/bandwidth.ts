/** bandwidth: caps a link's throughput (KB/s). */
import { z } from 'zod';
import { defineToxicFault } from './toxic-fault.js';
import { linkKindOf, linkTargetCheck } from './link-target.js';

export const bandwidthFault = defineToxicFault({
  type: 'bandwidth',
  defaultTarget: 'redis',
  attributes: {
    rate: z.number().int().min(1).max(10_000_000),
    stream: z.enum(['downstream', 'upstream']).default('downstream'),
  },
  checkTarget: linkTargetCheck,
  linkKind: linkKindOf,
  toxic: (spec) => ({ type: 'bandwidth', stream: spec.stream, attributes: { rate: spec.rate } }),
  applied: (spec) => `${spec.target} link capped at ${spec.rate} KB/s`,
  healed: (spec) => `${spec.target} link uncapped`,
});
