/**
 * One fault kind per file (Toxiproxy style: one small interface per toxic, registered by
 * name). The runner schedules apply at `at` and heal at `at + duration` (or `restoreAt`),
 * records the window, and heals every applied fault on abort too.
 */
import type { z } from 'zod';
import type { Toxiproxy } from 'toxiproxy-node-client';
import type { StartedTopology } from '../topology/topology-types.js';
import type { FaultSpec } from '../scenario/scenario-schema.js';

/** What a fault's target is checked against, before anything starts. */
export interface FaultTopology {
  nodeNames: readonly string[];
  /** One Redis (redis strategies); false with a Redis Cluster. */
  hasRedis: boolean;
  /** The Redis Cluster's node names (redis-1, ...), null without a cluster. */
  redisClusterNodes: readonly string[] | null;
}

export interface FaultContext {
  topology: StartedTopology;
  /** Client for the topology's Toxiproxy API (null when the topology runs without proxies). */
  toxiproxy: Toxiproxy | null;
  log: (message: string) => void;
  /** A user's session id now (its cookie), null when it has none yet; absent where the runner keeps no users. */
  sessionIdOf?: (userId: string) => string | null;
}

/** Counters a fault read about its own effect (name -> value). */
export type FaultObservation = Record<string, number | string>;

export interface FaultKind<P extends FaultSpec = FaultSpec> {
  readonly type: string;
  /** Validates the type-specific attributes; messages name the field. */
  readonly schema: z.ZodType<P, z.ZodTypeDef, unknown>;
  /** The Toxiproxy links this fault acts on ('balancer' = balancer->node, 'redis' = node->Redis); none for process faults. */
  links(spec: P): Array<'balancer' | 'redis'>;
  /** The fault's target when the scenario gives none (e.g. "redis"). */
  readonly defaultTarget: string;
  /** Checks the target exists in this topology; returns an error message or null. */
  checkTarget(spec: P, topology: FaultTopology): string | null;
  /**
   * Whether a fault still applied when the run ends must be healed before teardown (network
   * faults: the proxies are shared, possibly an external Toxiproxy). A killed node needs no
   * heal: the stack is stopped anyway.
   */
  readonly healAtTeardown: boolean;
  apply(ctx: FaultContext, spec: P): Promise<void>;
  /** May return what it saw of its own effect while it held (recorded as the window's `observed`). */
  heal(ctx: FaultContext, spec: P): Promise<void | FaultObservation>;
}
