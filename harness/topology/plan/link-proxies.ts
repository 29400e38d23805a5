/** Creates a plan's link proxies on a Toxiproxy server, and removes them from an external one. */
import { Toxiproxy } from 'toxiproxy-node-client';
import type { ProxyNames } from '../topology-types.js';
import { hostPort, type LinkPlan } from './plan-topology.js';

export async function createLinkProxies(url: string, links: LinkPlan[]): Promise<void> {
  const client = new Toxiproxy(url);
  await Promise.all(links.map((link) => client.createProxy({ name: link.proxy, listen: hostPort(link.listen), upstream: hostPort(link.upstream) })));
}

/** An external Toxiproxy outlives the run: take back the proxies the run made there. */
export async function removeLinkProxies(url: string, proxies: ProxyNames): Promise<void> {
  const client = new Toxiproxy(url);
  const names = [...Object.values(proxies.balancerToNode), ...Object.values(proxies.nodeToRedis)];
  await Promise.allSettled(names.map(async (name) => (await client.get(name)).remove()));
}
