/** redis-latency: a latency toxic (+ jitter) on the nodes' links to Redis. */
import { z } from 'zod';
import { defineToxicFault } from './toxic-fault.js';
import { redisLinkTargetCheck } from './fault-targets.js';

export const redisLatencyFault = defineToxicFault({
  type: 'redis-latency',
  defaultTarget: 'redis',
  attributes: {
    latency: z.number().int().min(0).max(60_000).default(5),
    jitter: z.number().int().min(0).max(60_000).default(0),
    stream: z.enum(['downstream', 'upstream']).default('downstream'),
  },
  checkTarget: redisLinkTargetCheck,
  linkKind: () => 'redis',
  toxic: (spec) => ({ type: 'latency', stream: spec.stream, attributes: { latency: spec.latency, jitter: spec.jitter } }),
  applied: (spec) => `Redis latency ${spec.latency} ms (jitter ${spec.jitter} ms, ${spec.stream}) on ${spec.target}`,
  healed: (spec) => `Redis latency ${spec.latency} ms removed`,
});
