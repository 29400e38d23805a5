/** node-slow: latency on the balancer's link to a node. */
import { z } from 'zod';
import { defineToxicFault } from './toxic-fault.js';
import { nodeTargetCheck } from './fault-targets.js';

export const nodeSlowFault = defineToxicFault({
  type: 'node-slow',
  defaultTarget: 'node-1',
  attributes: {
    latency: z.number().int().min(0).max(60_000).default(100),
    jitter: z.number().int().min(0).max(60_000).default(0),
  },
  checkTarget: nodeTargetCheck,
  linkKind: () => 'balancer',
  toxic: (spec) => ({ type: 'latency', stream: 'downstream', attributes: { latency: spec.latency, jitter: spec.jitter } }),
  applied: (spec) => `${spec.target} slowed by ${spec.latency} ms`,
  healed: (spec) => `${spec.target} back to normal speed`,
});
