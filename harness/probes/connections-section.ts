/** result.connections: connection reuse as configured and new connections per request as measured (connection-probe.ts). */
import { z } from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/** One link's new connections per request (result.connections.links). */
export const connectionLinkSchema = z.object({
  /** New TCP connections opened on the link during the load. */
  newConnections: count,
  /** Requests the nodes' nginx served in the same time (the harness's own status reads excluded). */
  requests: count,
  /** newConnections / requests; null without requests. */
  perRequest: z.number().nonnegative().nullable(),
  /** How the connections were counted. */
  method: z.string(),
  /** Set when the figure is only a lower bound, and why. */
  lowerBound: z.string().optional(),
});
export type ConnectionLinkFigures = z.infer<typeof connectionLinkSchema>;

/** Connection reuse as configured and new connections per request as measured (harness/runner/connection-probe.ts). */
export const connectionsSectionSchema = z.object({
  /** topology.connectionReuse as written, and per link as rendered (true = connections reused). */
  reuse: z.object({
    setting: z.union([z.string(), z.record(z.string(), z.boolean())]),
    balancer: z.boolean(),
    fastcgi: z.boolean(),
    redis: z.boolean(),
  }),
  /** Sampling period of the counters. */
  intervalMs: ms,
  /** balancer -> node, node nginx -> PHP-FPM, PHP -> Redis; null = not measured (no Redis, no socket table). */
  links: z.object({ balancer: connectionLinkSchema.nullable(), fastcgi: connectionLinkSchema.nullable(), redis: connectionLinkSchema.nullable() }),
  nodes: z.record(
    z.string(),
    z.object({ accepts: count, requests: count, fpmConnections: count.nullable(), restarts: count, missedSamples: count }),
  ),
  redisRestarts: count,
  /** Per sampling interval (t = ms since the workload started at its end): requests and new connections per link. */
  timeline: z.array(z.object({ t: ms, requests: count, balancer: count, fastcgi: count.nullable(), redis: count.nullable() })),
  notes: z.array(z.string()),
});
export type ConnectionsSection = z.infer<typeof connectionsSectionSchema>;
