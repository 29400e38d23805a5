/**
 * POST /populate, all or nothing. Phase one does everything that can fail (new listeners,
 * enabling existing proxies) while the old proxies keep running; any failure undoes it, in
 * reverse, and nothing has changed. Phase two (which cannot fail) stops the proxies being
 * replaced or disabled and installs the new ones. Entries are taken in order, a later entry
 * for the same name seeing the earlier one, as in Toxiproxy.
 */
import { isAddressInUse } from './proxy-listener.js';
import type { ToxicProxy } from './proxy.js';

export interface PopulateEntry {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

export interface PopulateTarget {
  readonly proxies: Map<string, ToxicProxy>;
  create(entry: PopulateEntry): ToxicProxy;
  /** Same listen and upstream: the proxy is kept as it is (with its toxics). */
  unchanged(existing: ToxicProxy, entry: PopulateEntry): boolean;
  log(line: string): void;
}

export async function populate(target: PopulateTarget, entries: readonly PopulateEntry[]): Promise<ToxicProxy[]> {
  const undo: (() => Promise<void>)[] = [];
  const planned = new Map<string, ToxicProxy>(); // name -> proxy it will have
  const wantEnabled = new Map<ToxicProxy, boolean>(); // existing proxies to disable or keep enabled
  const replaced: ToxicProxy[] = [];
  const results: ToxicProxy[] = [];
  try {
    for (const entry of entries) {
      const current = planned.get(entry.name) ?? target.proxies.get(entry.name);
      const isNew = current !== undefined && current !== target.proxies.get(entry.name);
      if (current && target.unchanged(current, entry)) {
        if (entry.enabled && !current.enabled) {
          await current.start();
          undo.push(() => current.stop());
        }
        if (isNew && !entry.enabled) await current.stop();
        else wantEnabled.set(current, entry.enabled);
        planned.set(entry.name, current);
        results.push(current);
        continue;
      }
      const fresh = target.create(entry);
      if (entry.enabled) await startBeside(fresh, current, isNew, undo);
      undo.push(() => fresh.stop());
      if (current && isNew) await current.stop();
      else if (current) replaced.push(current);
      planned.set(entry.name, fresh);
      results.push(fresh);
    }
  } catch (error) {
    for (const step of undo.reverse()) {
      await step().catch((e: unknown) => target.log(`populate: rollback step failed: ${(e as Error).message}`));
    }
    throw error;
  }
  for (const old of replaced) await old.stop();
  for (const [proxy, enabled] of wantEnabled) if (!enabled && proxy.enabled) await proxy.stop();
  for (const [name, proxy] of planned) target.proxies.set(name, proxy);
  return results;
}

/**
 * Starts `fresh` while `current` (the proxy it replaces) still runs. Only when current
 * itself holds the wanted port is it stopped first, and restarted by the rollback.
 */
async function startBeside(fresh: ToxicProxy, current: ToxicProxy | undefined, isNew: boolean, undo: (() => Promise<void>)[]): Promise<void> {
  try {
    await fresh.start();
  } catch (error) {
    if (!current?.listening || !isAddressInUse(error) || portOf(current.listen) !== portOf(fresh.listen)) throw error;
    await current.stop();
    if (!isNew) undo.push(() => current.start());
    await fresh.start();
  }
}

const portOf = (listen: string): number => Number(listen.slice(listen.lastIndexOf(':') + 1));
