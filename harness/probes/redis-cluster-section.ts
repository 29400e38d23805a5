/** result.redisCluster: what the Redis Cluster probe saw (redis-cluster-probe.ts). Zod only. */
import { z } from 'zod';
import { CLUSTER_SLOTS } from '../redis-inspect/cluster-nodes.js';
import { clusterEventTypes } from '../redis-inspect/cluster-tracker.js';
import { storeCheckSectionSchema } from '../redis-inspect/store-check-section.js';
import { sessionKeysShape } from './session-keys-shape.js';

const count = z.number().int().nonnegative();
const slot = z.number().int().min(0).max(CLUSTER_SLOTS - 1);
const slotRange = z.tuple([slot, slot]);
const verdict = z.object({ passed: z.boolean(), message: z.string() });

export const clusterEventSchema = z.object({
  /** ms since the load started (negative: before it, while the probe took its baseline). */
  t: z.number(),
  type: z.enum(clusterEventTypes),
  /** The flagged, promoted, demoted or rejoined node; the new owner of moved slots; the node whose cluster_state changed. */
  node: z.string(),
  /** pfail / fail: its role when flagged. */
  role: z.enum(['master', 'replica']).optional(),
  /** pfail / fail: a node that flagged it. */
  by: z.string().optional(),
  /** rejoined: the flag it had. */
  was: z.enum(['pfail', 'fail']).optional(),
  /** promoted: the master whose slots it took; slots-moved: the old owner (null: unassigned). */
  from: z.string().nullable().optional(),
  /** demoted: the master it now replicates. */
  master: z.string().nullable().optional(),
  /** promoted: the slots it owns; slots-moved: the slots that moved. */
  slots: z.array(slotRange).optional(),
  /** cluster-state: the node's new cluster_state. */
  state: z.enum(['ok', 'fail']).optional(),
});
export type ClusterEventRecord = z.infer<typeof clusterEventSchema>;

/** Requests and outcomes of the users one master held at the load start. */
export const ownerFiguresSchema = z.object({
  users: count,
  /** Answers (and failures) of those users during the load. */
  requests: count,
  /** Answers whose outcome was not ok. */
  nonOk: count,
  /** Answers whose outcome was error (no readable answer: 5xx, timeout, connection error). */
  errors: count,
  /** Users the HTTP check called lost. */
  lostUsers: count,
});
export type OwnerFigures = z.infer<typeof ownerFiguresSchema>;

export const redisClusterSectionSchema = z.object({
  settings: z.object({
    masters: z.number().int().positive(),
    replicasPerMaster: count,
    nodeTimeoutMs: z.number().nonnegative(),
    requireFullCoverage: z.boolean(),
  }),
  /** Session key prefix (phpredis rediscluster: PHPREDIS_CLUSTER_SESSION:). */
  prefix: z.string().min(1),
  nodes: z.array(
    z.object({
      name: z.string(),
      /** As the cluster saw it when the load started (unknown: no node had answered). */
      roleAtStart: z.enum(['master', 'replica', 'unknown']),
      /** Its own word after the run; down = killed and not restored; unreachable = it did not answer. */
      roleAtEnd: z.enum(['master', 'replica', 'down', 'unreachable']),
      /** A replica's master after the run; null for a master or a node that did not answer. */
      masterAtEnd: z.string().nullable(),
      /** Session keys it holds as a master after the run (0 for a replica). */
      keys: count,
      usedMemoryBytes: count.nullable(),
    }),
  ),
  /** Slot ranges and their master when the load started. */
  slotsAtStart: z.array(z.object({ start: slot, end: slot, master: z.string() })),
  users: count,
  ...sessionKeysShape,
  ttlCheck: verdict,
  /** Median MEMORY USAGE over a sample of session keys. */
  bytesPerSession: z.number().nonnegative().nullable(),
  /** What the cluster did, one event per change (pfail, fail, promoted, demoted, rejoined, cluster-state, slots-moved). */
  events: z.array(clusterEventSchema),
  /** Events past the cap, not kept. */
  droppedEvents: count,
  /** The first master flagged fail, and the replica promoted in its place (null: none promoted). Null when no master failed. */
  failover: z
    .object({
      failedNode: z.string(),
      flaggedFailAtMs: z.number(),
      promotedNode: z.string().nullable(),
      promotedAtMs: z.number().nullable(),
    })
    .nullable(),
  /**
   * How far replicas trailed their masters during the load (each master's INFO replication on
   * every poll): bytes of the replication stream not yet acknowledged, and seconds since the
   * last acknowledgement. What a failover=distribute read from a replica could miss. Null: no
   * sample (no replica answered while the load ran). Absent in results written before it.
   */
  replicationLag: z
    .object({
      samples: count,
      /** Samples where the replica trailed by at least one byte. */
      trailingSamples: count,
      maxBytes: count,
      p99Bytes: count,
      maxAckAgeS: z.number().nonnegative(),
    })
    .nullable()
    .optional(),
  /** Per master owning slots at the load start: the users whose final session key hashes to its slots. */
  perOwner: z.array(ownerFiguresSchema.extend({ master: z.string(), slots: count })),
  /** Users without a session id, or whose key's slot had no owner at the load start. */
  unattributed: ownerFiguresSchema,
  /** Per second of the load with any non-ok answer: non-ok answers by the master that owned the user's slot at the load start (`unattributed` for the rest). */
  errorsPerSecondByOwner: z.array(z.object({ t: count, byOwner: z.record(z.string(), count) })),
  /** Every user's key read from its master, decoded and compared with the HTTP model (as result.redis.storeCheck). */
  storeCheck: storeCheckSectionSchema.optional(),
  storeCheckError: z.string().optional(),
});
export type RedisClusterSection = z.infer<typeof redisClusterSectionSchema>;

/** The key of users no master is found for, in errorsPerSecondByOwner. */
export const UNATTRIBUTED = 'unattributed';
