/** reset-peer: connections on a link are reset (RST) after `timeout` ms of their first data. */
import { z } from 'zod';
import { defineToxicFault } from './toxic-fault.js';
import { linkKindOf, linkTargetCheck } from './link-target.js';

export const resetPeerFault = defineToxicFault({
  type: 'reset-peer',
  defaultTarget: 'redis',
  attributes: {
    timeout: z.number().int().min(0).max(60_000).default(0),
    toxicity: z.number().min(0).max(1).default(1),
  },
  checkTarget: linkTargetCheck,
  linkKind: linkKindOf,
  toxic: (spec) => ({ type: 'reset_peer', stream: 'downstream', toxicity: spec.toxicity, attributes: { timeout: spec.timeout } }),
  applied: (spec) => `connections to ${spec.target} reset after ${spec.timeout} ms (toxicity ${spec.toxicity})`,
  healed: (spec) => `no more resets on ${spec.target}`,
});
