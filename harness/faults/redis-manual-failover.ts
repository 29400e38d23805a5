/**
 * redis-manual-failover: CLUSTER FAILOVER on a replica, as an operator does before taking a
 * master down for maintenance. `target`: the replica to promote, or a master (then its first
 * replica). `mode`: 'default' (coordinated: the master stops writes until the replica has
 * caught up, no acknowledged write is lost), 'force' (without the master's agreement),
 * 'takeover' (without the other masters' agreement either). Applies once the replica reports
 * itself master (or fails after 15 s); there is nothing to heal.
 */
import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { faultSchema } from '../scenario/scenario-schema.js';
import { HarnessError } from '../errors.js';
import { withRedis } from '../redis-inspect/redis-connection.js';
import type { FaultKind } from './fault-kind.js';
import { clusterNodeTargetCheck } from './fault-targets.js';
import { readClusterRoles, requireCluster } from './cluster-roles.js';

const schema = faultSchema.extend({
  type: z.literal('redis-manual-failover'),
  target: z.string().default('redis-1'),
  mode: z.enum(['default', 'force', 'takeover']).default('default'),
});
type Spec = z.output<typeof schema>;

const PROMOTION_TIMEOUT_MS = 15_000;

export const redisManualFailoverFault: FaultKind<Spec> = {
  type: 'redis-manual-failover',
  schema,
  links: () => [],
  defaultTarget: 'redis-1',
  healAtTeardown: false,
  checkTarget: clusterNodeTargetCheck,
  async apply(ctx, spec) {
    const cluster = requireCluster(ctx.topology);
    const roles = await readClusterRoles(cluster);
    const target = roles.find((r) => r.name === spec.target);
    const replica = target?.role === 'replica' ? target : roles.find((r) => r.master === spec.target && !r.failing);
    if (!replica) throw new HarnessError(`${spec.target} is neither a replica nor a master with a working replica: no failover`);
    const address = cluster.nodes.find((n) => n.name === replica.name)!;
    const started = performance.now();
    await withRedis(address, (client) => client.call('CLUSTER', 'FAILOVER', ...(spec.mode === 'default' ? [] : [spec.mode.toUpperCase()])));
    // CLUSTER FAILOVER only starts it: wait until the replica says it is master.
    for (;;) {
      const role = await withRedis(address, async (client) => String(await client.call('ROLE')).split(',')[0]).catch(() => null);
      if (role === 'master') break;
      if (performance.now() - started > PROMOTION_TIMEOUT_MS) {
        throw new HarnessError(`CLUSTER FAILOVER ${spec.mode} on ${replica.name}: still not master after ${PROMOTION_TIMEOUT_MS / 1000} s`);
      }
      await sleep(20);
    }
    const tookMs = Math.round(performance.now() - started);
    ctx.log(`manual failover (${spec.mode}): ${replica.name} took over from ${replica.master ?? '?'} in ${tookMs} ms`);
  },
  async heal() {
    // A failover is not undone: the promoted replica stays master.
  },
};
