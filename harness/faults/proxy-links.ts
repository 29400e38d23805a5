/**
 * Faults on links go through the Toxiproxy API (toxiproxy-node-client), to the embedded
 * server or a real Toxiproxy. A target names links: "redis" = every node's link to Redis,
 * "node-N" = the balancer's link to that node (or, for Redis faults, that node's Redis link).
 */
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import { HarnessError } from '../errors.js';
import type { FaultContext } from './fault-kind.js';

export type LinkKind = 'redis' | 'balancer';

export function linkNames(ctx: FaultContext, kind: LinkKind, target: string): string[] {
  const proxies = ctx.topology.toxiproxy?.proxies;
  if (!proxies || !ctx.toxiproxy) throw new HarnessError('this fault needs Toxiproxy links: the topology runs without proxies');
  if (kind === 'redis') {
    const names = target === 'redis' ? Object.values(proxies.nodeToRedis) : [proxies.nodeToRedis[target]];
    if (names.length === 0 || names.some((n) => n === undefined)) throw new HarnessError(`no Redis link for target ${target}`);
    return names as string[];
  }
  const name = proxies.balancerToNode[target];
  if (!name) throw new HarnessError(`no balancer link to ${target}`);
  return [name];
}

export async function setLinksEnabled(ctx: FaultContext, names: string[], enabled: boolean): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const proxy = await ctx.toxiproxy!.get(name);
      await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
    }),
  );
}

export async function addToxic<T>(ctx: FaultContext, names: string[], body: ICreateToxicBody<T>): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const proxy = await ctx.toxiproxy!.get(name);
      await proxy.addToxic(body);
    }),
  );
}

export async function removeToxic(ctx: FaultContext, names: string[], toxicName: string): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const proxy = await ctx.toxiproxy!.get(name);
      const toxic = await proxy.getToxic(toxicName).catch(() => null);
      await toxic?.remove();
    }),
  );
}

/** A toxic name safe in URL paths, unique per fault entry (type + start time). */
export function toxicNameFor(type: string, at: string): string {
  return `psl-${type}-${at.replace(/[^a-z0-9]/gi, '_')}`;
}
