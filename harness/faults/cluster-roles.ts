/** Who is master of what in a Redis Cluster right now, by our node names (for the cluster faults). */
import { HarnessError } from '../errors.js';
import { withRedis } from '../redis-inspect/redis-connection.js';
import { parseClusterNodes, slotCount } from '../redis-inspect/cluster-nodes.js';
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
      }));
    } catch (error) {
      lastError = error;
    }
  }
  throw new HarnessError(`no node of the Redis Cluster answers CLUSTER NODES: ${(lastError as Error | null)?.message ?? 'all are down'}`);
}

/** The working master named by a cluster fault's target: a node name, or 'master' = the one serving slot 0. */
export function chooseMaster(roles: readonly ClusterRole[], target: string): ClusterRole {
  const masters = roles.filter((r) => r.role === 'master' && r.slots > 0 && !r.failing);
  const chosen = target === 'master' ? masters.find((r) => r.servesSlotZero) : masters.find((r) => r.name === target);
  if (!chosen) throw new HarnessError(`${target} is not a working master serving slots now (masters: ${masters.map((r) => r.name).join(', ')})`);
  return chosen;
}

export function requireCluster(topology: { redisCluster: StartedRedisCluster | null; provider: string }): StartedRedisCluster {
  if (!topology.redisCluster) throw new HarnessError(`this topology (${topology.provider} provider) has no Redis Cluster`);
  return topology.redisCluster;
}
