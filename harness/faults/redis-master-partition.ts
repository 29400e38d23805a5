/**
 * redis-master-partition: one master cut off from every other Redis node (cluster bus and
 * replication, both ways) while PHP still reaches it — the classic split brain. The minority
 * master keeps acknowledging writes until cluster-node-timeout tells it it is alone (then it
 * answers CLUSTERDOWN); the majority flags it FAIL and promotes its replica, which never saw
 * those writes. Heal (`duration` / `restoreAt`, or the end of the run): the links pass again,
 * the old master learns of the newer epoch and rejoins as a replica, and the writes it
 * acknowledged alone are gone. The window records how many it acknowledged.
 * `target`: a node name, or 'master' (the master serving slot 0 when the fault applies).
 * Needs the cluster's link relay (local provider; started when a scenario has this fault).
 */
import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import { withRedis } from '../redis-inspect/redis-connection.js';
import type { FaultKind } from './fault-kind.js';
import { clusterMasterTargetCheck } from './fault-targets.js';
import { chooseMaster, readClusterRoles, requireCluster, sessionSlotOf } from './cluster-roles.js';
import type { RedisClusterNodeAddress } from '../topology/topology-types.js';

const schema = faultSchema.extend({
  type: z.literal('redis-master-partition'),
  target: z.string().default('master'),
  /** A user (u1, u2, ...): the master serving its session's slot when the fault applies (target 'master'). */
  user: z.string().regex(/^u\d+$/, 'a user id like u17').optional(),
});
type Spec = z.output<typeof schema>;

/** Session writes (SET/SETEX) a node carried out, from INFO commandstats (rejected and failed calls excluded). */
async function writesDone(node: RedisClusterNodeAddress): Promise<number> {
  const text = await withRedis(node, (client) => client.info('commandstats'));
  let total = 0;
  for (const match of text.matchAll(/^cmdstat_(setex|set):calls=(\d+)(?:.*?rejected_calls=(\d+))?(?:.*?failed_calls=(\d+))?/gm)) {
    total += Number(match[2]) - Number(match[3] ?? 0) - Number(match[4] ?? 0);
  }
  return total;
}

interface Held {
  node: RedisClusterNodeAddress;
  replicas: string[];
  writesBefore: number;
  appliedAt: number;
}
const held = new WeakMap<Spec, Held>();

export const redisMasterPartitionFault: FaultKind<Spec> = {
  type: 'redis-master-partition',
  schema,
  links: () => [],
  defaultTarget: 'master',
  // A partition left in place would keep the cluster split through the final reads.
  healAtTeardown: true,
  checkTarget: (spec, topology) =>
    spec.user !== undefined && spec.target !== 'master' ? `user ${spec.user} picks the master: use it with target "master"` : clusterMasterTargetCheck(spec, topology),
  async apply(ctx, spec) {
    const cluster = requireCluster(ctx.topology);
    if (!cluster.partitionable) throw new HarnessError('this Redis Cluster runs without its link relay: it cannot be partitioned');
    const roles = await readClusterRoles(cluster);
    const chosen = chooseMaster(roles, spec.target, spec.user ? sessionSlotOf(ctx, spec.user) : undefined);
    const node = cluster.nodes.find((n) => n.name === chosen.name)!;
    const writesBefore = await writesDone(node);
    cluster.partitionNodes([chosen.name]);
    held.set(spec, { node, replicas: roles.filter((r) => r.master === chosen.name).map((r) => r.name), writesBefore, appliedAt: performance.now() });
    ctx.log(`partitioned Redis master ${chosen.name} (${chosen.slots} slots) from the other Redis nodes; PHP still reaches it`);
  },
  async heal(ctx, spec) {
    const cluster = requireCluster(ctx.topology);
    const h = held.get(spec);
    if (!h) throw new HarnessError('redis-master-partition: nothing was partitioned, nothing to heal');
    // Before the heal: what it did alone (after the heal, as a replica, it only replays its new master's writes).
    const acknowledged = (await writesDone(h.node)) - h.writesBefore;
    const heldMs = Math.round(performance.now() - h.appliedAt);
    // Did the majority promote one of its replicas? (Asked of the majority: the isolated node's view is stale.)
    const majority = await readClusterRoles(cluster, h.node.name);
    const promoted = majority.find((r) => h.replicas.includes(r.name) && r.role === 'master' && r.slots > 0)?.name ?? null;
    cluster.healPartition();
    // With a failover, it rejoins as a replica once it hears of the newer epoch.
    let rejoinedAs = 'master (no failover happened)';
    if (promoted) {
      const deadline = performance.now() + 15_000;
      for (;;) {
        // The majority's view and its own (ROLE) agree that it follows now.
        const role = (await readClusterRoles(cluster, h.node.name)).find((r) => r.name === h.node.name);
        const own = await withRedis(h.node, async (client) => String(await client.call('ROLE')).split(',')[0]).catch(() => null);
        if (role?.role === 'replica' && own === 'slave') {
          rejoinedAs = `replica of ${role.master}`;
          break;
        }
        if (performance.now() > deadline) throw new HarnessError(`${h.node.name} did not rejoin as a replica of ${promoted} within 15 s of the heal`);
        await sleep(100);
      }
    }
    ctx.log(`partition healed after ${heldMs} ms: ${h.node.name} acknowledged ${acknowledged} session write(s) alone, rejoined as ${rejoinedAs}`);
    return { isolated: h.node.name, writesAcknowledgedAlone: acknowledged, promoted: promoted ?? 'none', rejoinedAs };
  },
};
