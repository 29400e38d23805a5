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
    // One proxy may carry several nodes' Redis links (an external deployment's shared proxy): each once.
    const names = target === 'redis' ? [...new Set(Object.values(proxies.nodeToRedis))] : [proxies.nodeToRedis[target]];
    if (names.length === 0 || names.some((n) => n === undefined)) throw new HarnessError(`no Redis link for target ${target}`);
    return names as string[];
  }
  const name = proxies.balancerToNode[target];
  if (!name) throw new HarnessError(`no balancer link to ${target}`);
  return [name];
}

/** How long one Toxiproxy API call may take before it is given up (and tried once more). */
export const TOXIPROXY_CALL_TIMEOUT_MS = 5000;

/**
 * One Toxiproxy API operation with a timeout and one retry: the client (fetch, no timeout of
 * its own) would wait forever on a hung server. A call that still fails throws, and the fault
 * is recorded as failed to apply (or heal) with that message.
 */
export async function toxiproxyCall<T>(what: string, operation: () => Promise<T>, timeoutMs = TOXIPROXY_CALL_TIMEOUT_MS): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 2; attempt++) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HarnessError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([operation(), timeout]);
    } catch (error) {
      lastError = error;
    } finally {
      clearTimeout(timer);
    }
  }
  throw new HarnessError(`Toxiproxy API: ${what} failed twice: ${(lastError as Error)?.message ?? String(lastError)}`, { cause: lastError });
}

export async function setLinksEnabled(ctx: FaultContext, names: string[], enabled: boolean): Promise<void> {
  await Promise.all(
    names.map((name) =>
      toxiproxyCall(`${enabled ? 'enable' : 'disable'} proxy ${name}`, async () => {
        const proxy = await ctx.toxiproxy!.get(name);
        await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
      }),
    ),
  );
}

export async function addToxic<T>(ctx: FaultContext, names: string[], body: ICreateToxicBody<T>): Promise<void> {
  await Promise.all(
    names.map((name) =>
      toxiproxyCall(`add toxic ${body.name ?? body.type} to ${name}`, async () => {
        const proxy = await ctx.toxiproxy!.get(name);
        // A first attempt that timed out may have added it after all: then it is there.
        if (body.name && (await proxy.getToxic(body.name).catch(() => null))) return;
        await proxy.addToxic(body);
      }),
    ),
  );
}

export async function removeToxic(ctx: FaultContext, names: string[], toxicName: string): Promise<void> {
  await Promise.all(
    names.map((name) =>
      toxiproxyCall(`remove toxic ${toxicName} from ${name}`, async () => {
        const proxy = await ctx.toxiproxy!.get(name);
        const toxic = await proxy.getToxic(toxicName).catch(() => null);
        await toxic?.remove();
      }),
    ),
  );
}

/**
 * A link cut as a dropping network cuts it: a `timeout` toxic with timeout 0 on both streams
 * accepts connections and passes no byte either way until it is removed (Toxiproxy's own
 * recipe for a blackhole). `refuse` (disabling the proxy) closes the listener instead.
 */
async function blackholeLinks(ctx: FaultContext, names: string[], toxicName: string): Promise<void> {
  for (const stream of ['upstream', 'downstream'] as const) {
    await addToxic(ctx, names, { name: `${toxicName}-${stream}`, type: 'timeout', stream, toxicity: 1, attributes: { timeout: 0 } });
  }
}

async function unblackholeLinks(ctx: FaultContext, names: string[], toxicName: string): Promise<void> {
  for (const stream of ['upstream', 'downstream'] as const) await removeToxic(ctx, names, `${toxicName}-${stream}`);
}

/** How a link is cut: `refuse` (the proxy disabled) or `blackhole` (connections accepted, nothing passes). */
export const linkCutModes = ['refuse', 'blackhole'] as const;
export type LinkCutMode = (typeof linkCutModes)[number];

/** Cuts the links (node-partition, redis-down); `faultName` keeps each fault's blackhole toxics apart. */
export async function cutLinks(ctx: FaultContext, names: string[], mode: LinkCutMode, faultName: string): Promise<void> {
  if (mode === 'blackhole') await blackholeLinks(ctx, names, faultName);
  else await setLinksEnabled(ctx, names, false);
}

/** Undoes cutLinks with the same arguments. */
export async function restoreLinks(ctx: FaultContext, names: string[], mode: LinkCutMode, faultName: string): Promise<void> {
  if (mode === 'blackhole') await unblackholeLinks(ctx, names, faultName);
  else await setLinksEnabled(ctx, names, true);
}

/** A toxic name safe in URL paths, unique per fault entry (type + start time). */
export function toxicNameFor(type: string, at: string): string {
  return `psl-${type}-${at.replace(/[^a-z0-9]/gi, '_')}`;
}
