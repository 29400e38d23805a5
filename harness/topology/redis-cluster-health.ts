/**
 * When a started Redis Cluster is ready, and when a restarted node is back in it, asked of the
 * nodes themselves; shared by the local and docker clusters. Ready: every running node says
 * cluster_state:ok with all 16384 slots, sees every replica attached to a master, and every
 * replica's replication link is up. Rejoined: the node says cluster_state:ok and no running
 * peer flags it failing (matched by node id, so whatever address it announces).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { HarnessError } from '../errors.js';
import { withRedis } from '../redis-inspect/redis-connection.js';
import { CLUSTER_SLOTS, parseClusterNodes } from '../redis-inspect/cluster-nodes.js';
import type { RedisClusterNodeAddress, RedisClusterSettings } from './topology-types.js';

const POLL_MS = 100;

/** What keeps one node from calling the cluster ready; null: nothing. */
async function nodeProblem(node: RedisClusterNodeAddress, wantReplicas: number): Promise<string | null> {
  return withRedis(node, async (client) => {
    const info = String(await client.call('CLUSTER', 'INFO'));
    if (!/cluster_state:ok/.test(info)) return 'cluster_state is not ok';
    const slots = Number(/cluster_slots_ok:(\d+)/.exec(info)?.[1] ?? 0);
    if (slots !== CLUSTER_SLOTS) return `${slots} of ${CLUSTER_SLOTS} slots ok`;
    const entries = parseClusterNodes(String(await client.call('CLUSTER', 'NODES')));
    const replicas = entries.filter((e) => e.role === 'replica' && e.failure !== 'fail').length;
    if (replicas < wantReplicas) return `${replicas} of ${wantReplicas} replicas attached`;
    // A replica that never finished its first sync cannot be promoted ("disconnected from
    // master for longer than allowed"): ready means every replica's link is up.
    const replication = await client.info('replication');
    if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return 'its replication link is not up yet';
    return null;
  });
}

/** The first running node's reason the cluster is not ready; null when every one agrees it is. */
export async function clusterHealthProblem(running: readonly RedisClusterNodeAddress[], settings: RedisClusterSettings): Promise<string | null> {
  const wantReplicas = settings.masters * settings.replicasPerMaster;
  for (const node of running) {
    try {
      const problem = await nodeProblem(node, wantReplicas);
      if (problem) return `${node.name}: ${problem}`;
    } catch (error) {
      return `${node.name}: ${(error as Error).message}`;
    }
  }
  return null;
}

/** Polls clusterHealthProblem over the nodes running at each look until none is left. */
export async function waitClusterHealthy(
  running: () => readonly RedisClusterNodeAddress[],
  settings: RedisClusterSettings,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const problem = await clusterHealthProblem(running(), settings);
    if (!problem) return;
    if (performance.now() > deadline) throw new HarnessError(`the Redis Cluster did not become ready in ${timeoutMs / 1000} s: ${problem}`);
    await sleep(POLL_MS);
  }
}

/** It says the cluster is ok, and none of `peers` (the other running nodes) flags it failing. */
export async function clusterNodeRejoined(node: RedisClusterNodeAddress, peers: readonly RedisClusterNodeAddress[]): Promise<boolean> {
  const own = await withRedis(node, async (c) => ({
    info: String(await c.call('CLUSTER', 'INFO')),
    id: parseClusterNodes(String(await c.call('CLUSTER', 'NODES'))).find((e) => e.myself)?.id,
  })).catch(() => null);
  if (!own?.id || !/cluster_state:ok/.test(own.info)) return false;
  for (const peer of peers) {
    const entries = await withRedis(peer, async (c) => parseClusterNodes(String(await c.call('CLUSTER', 'NODES')))).catch(() => null);
    const seen = entries?.find((e) => e.id === own.id);
    if (!seen || seen.failure !== null) return false;
  }
  return true;
}

/**
 * Waits until a restarted node rejoined (clusterNodeRejoined). `gone` says why waiting is
 * pointless (its process or container died again), else null.
 */
export async function waitNodeRejoined(
  node: RedisClusterNodeAddress,
  peers: () => readonly RedisClusterNodeAddress[],
  options: { timeoutMs: number; gone: () => string | null | Promise<string | null> },
): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    if (await clusterNodeRejoined(node, peers())) return;
    const gone = await options.gone();
    if (gone) throw new HarnessError(`${node.name} exited after its restart: ${gone}`);
    if (performance.now() > deadline) throw new HarnessError(`${node.name} restarted but did not rejoin the cluster in ${options.timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}
