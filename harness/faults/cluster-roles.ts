/** Who is master of what in a Redis Cluster right now, by our node names (for the cluster faults). */
import { HarnessError } from '../errors.js';
import { withRedis } from '../redis-inspect/redis-connection.js';
import { keySlot, parseClusterNodes, slotCount } from '../redis-inspect/cluster-nodes.js';
import type { FaultContext } from './fault-kind.js';
import { clusterSessionPrefix } from '../redis-inspect/cluster-inspection.js';
import { clusterNodeNames } from '../redis-inspect/cluster-node-names.js';
import type { StartedRedisCluster } from '../topology/topology-types.js';

export interface ClusterRole {
  name: string;
  role: 'master' | 'replica';
  /** A replica's master (by name); null for a master. */
  master: string | null;
  /** Flagged failing (fail or fail?) by the node asked. */
  failing: boolean;
  /** Slots it serves (masters). */
  slots: number;
  servesSlotZero: boolean;
  /** Its slot ranges (masters). */
  ranges: ReadonlyArray<readonly [number, number]>;
}

/** The roles as one running node sees them (CLUSTER NODES); `notFrom`: a node whose view not to take (a partitioned one). */
export async function readClusterRoles(cluster: StartedRedisCluster, notFrom?: string): Promise<ClusterRole[]> {
  const down = new Set([...cluster.downNodes(), ...(notFrom ? [notFrom] : [])]);
  // By host:port, else by port (the partition relay's address with each node's own port).
  const nameAt = clusterNodeNames(cluster.nodes);
  let lastError: unknown = null;
  for (const node of cluster.nodes.filter((n) => !down.has(n.name))) {
    try {
      const text = await withRedis(node, async (client) => String(await client.call('CLUSTER', 'NODES')));
      const entries = parseClusterNodes(text);
      const nameOfId = new Map(entries.map((e) => [e.id, nameAt(e) ?? `${e.host}:${e.port}`]));
      return entries.map((e): ClusterRole => ({
        name: nameOfId.get(e.id)!,
        role: e.role,
        master: e.role === 'replica' && e.masterId ? nameOfId.get(e.masterId) ?? null : null,
        failing: e.failure !== null,
        slots: slotCount(e.slots),
        servesSlotZero: e.slots.some(([from]) => from === 0),
        ranges: e.slots,
      }));
    } catch (error) {
      lastError = error;
    }
  }
  throw new HarnessError(`no node of the Redis Cluster answers CLUSTER NODES: ${(lastError as Error | null)?.message ?? 'all are down'}`);
}

/**
 * The working master named by a cluster fault's target: a node name, or 'master' = the one
 * serving slot 0 — or, with `slot` (a user's session key's), the one serving that slot.
 */
export function chooseMaster(roles: readonly ClusterRole[], target: string, slot?: number): ClusterRole {
  const masters = roles.filter((r) => r.role === 'master' && r.slots > 0 && !r.failing);
  const chosen =
    slot !== undefined
      ? masters.find((r) => r.ranges.some(([from, to]) => slot >= from && slot <= to))
      : target === 'master'
        ? masters.find((r) => r.servesSlotZero)
        : masters.find((r) => r.name === target);
  const what = slot !== undefined ? `the master of slot ${slot}` : target;
  if (!chosen) throw new HarnessError(`${what} is not a working master serving slots now (masters: ${masters.map((r) => r.name).join(', ')})`);
  return chosen;
}

/** The slot of a user's session key now (the `user` attribute of the cluster faults). */
export function sessionSlotOf(ctx: FaultContext, userId: string): number {
  const sid = ctx.sessionIdOf?.(userId) ?? null;
  if (!sid) throw new HarnessError(`user ${userId} has no session yet: its master cannot be chosen`);
  const prefix = clusterSessionPrefix(ctx.topology.spec.phpIni);
  return keySlot(prefix + sid);
}

export function requireCluster(topology: { redisCluster: StartedRedisCluster | null; provider: string }): StartedRedisCluster {
  if (!topology.redisCluster) throw new HarnessError(`this topology (${topology.provider} provider) has no Redis Cluster`);
  return topology.redisCluster;
}
