/**
 * redis-master-kill: SIGKILL a Redis master. `target`: a node of the Redis Cluster (it must be
 * a master when the fault applies, else the apply fails and is recorded), or 'master' (the
 * default): the master serving slot 0 then (with `user: 'u17'`: the one serving that user's
 * session's slot then) — and with one Redis (redis strategies), that
 * Redis, which has no replica to take over: so one scenario compares both.
 * Cluster: after cluster-node-timeout its peers flag it FAIL and one of its replicas is
 * promoted; meanwhile phpredis 5.3.7's rediscluster handler fails session requests (for every
 * slot, not only the dead master's). Heal (`duration` / `restoreAt`): the node starts again
 * with its nodes.conf and rejoins as a replica of the node promoted in its place (one Redis:
 * it starts again with what its persistence kept). Writes the dead master acknowledged but
 * had not replicated yet are lost (replication is asynchronous).
 */
import { z } from 'zod';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import type { FaultContext, FaultKind, FaultTopology } from './fault-kind.js';
import { clusterMasterTargetCheck } from './fault-targets.js';
import { chooseMaster, readClusterRoles, requireCluster, sessionSlotOf } from './cluster-roles.js';

const schema = faultSchema.extend({
  type: z.literal('redis-master-kill'),
  target: z.string().default('master'),
  /** A user (u1, u2, ...): the master serving its session's slot when the fault applies (target 'master'). */
  user: z.string().regex(/^u\d+$/, 'a user id like u17').optional(),
});
type Spec = z.output<typeof schema>;

function checkTarget(spec: { target?: string; user?: string }, topology: FaultTopology): string | null {
  if (spec.user !== undefined && (spec.target !== 'master' || !topology.redisClusterNodes)) return `user ${spec.user} picks a Redis Cluster master: use it with target "master" and a rediscluster strategy`;
  if (topology.hasRedis) return spec.target === 'master' ? null : `target "${spec.target ?? ''}" must be "master" (with one Redis, the Redis itself)`;
  return clusterMasterTargetCheck(spec, topology);
}

/** Kills the master named by the target (or the one serving slot 0); returns its name. */
async function killMaster(ctx: FaultContext, target: string, user: string | undefined): Promise<string> {
  const roles = await readClusterRoles(requireCluster(ctx.topology));
  const chosen = chooseMaster(roles, target, user ? sessionSlotOf(ctx, user) : undefined);
  const replicas = roles.filter((r) => r.master === chosen.name).map((r) => r.name);
  await ctx.topology.redisCluster!.killRedisNode(chosen.name);
  ctx.log(`killed Redis master ${chosen.name} (SIGKILL; ${chosen.slots} slots; replicas: ${replicas.join(', ') || 'none'})`);
  return chosen.name;
}

/** Which node a spec killed (target 'master' resolves at apply time), for its heal. */
const killed = new WeakMap<Spec, string>();

export const redisMasterKillFault: FaultKind<Spec> = {
  type: 'redis-master-kill',
  schema,
  links: () => [],
  defaultTarget: 'master',
  // Restarted before the final reads when the scenario leaves it dead: one Redis would otherwise
  // fail every final read (unknown users) where its sessions are simply gone, and a cluster's
  // old master rejoins as a replica as an operator would bring it back.
  healAtTeardown: true,
  checkTarget,
  async apply(ctx, spec) {
    if (ctx.topology.redisCluster) {
      killed.set(spec, await killMaster(ctx, spec.target, spec.user));
      return;
    }
    if (!ctx.topology.redis || !ctx.topology.stopRedis) throw new HarnessError(`this topology (${ctx.topology.provider} provider) has no Redis to kill`);
    await ctx.topology.stopRedis({ mode: 'crash' });
    ctx.log('killed Redis (SIGKILL): one Redis has no replica to take over');
  },
  async heal(ctx, spec) {
    const cluster = ctx.topology.redisCluster;
    if (!cluster) {
      if (!ctx.topology.restoreRedis) throw new HarnessError(`the ${ctx.topology.provider} provider cannot restart Redis`);
      await ctx.topology.restoreRedis();
      ctx.log(`Redis started again with what its persistence (${ctx.topology.spec.redisPersistence ?? 'none'}) kept`);
      return;
    }
    const name = killed.get(spec);
    if (!name) throw new HarnessError('redis-master-kill: nothing was killed, nothing to restart');
    await cluster.restoreRedisNode(name);
    const role = (await readClusterRoles(cluster)).find((r) => r.name === name);
    ctx.log(`restarted ${name}: it rejoined as ${role?.role === 'replica' ? `a replica of ${role.master}` : 'a master'}`);
    return { restarted: name, rejoinedAs: role?.role ?? 'unknown', ...(role?.master ? { masterAfter: role.master } : {}) };
  },
};
