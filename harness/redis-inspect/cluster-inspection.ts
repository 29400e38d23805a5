/**
 * What a Redis Cluster holds after a run, read node by node (plain clients straight to each
 * node: a cluster allows no cross-slot MGET, and SCAN on a node lists only that node's keys):
 * each node's own view of its role, its memory, the session keys on each master with their
 * TTLs and a MEMORY USAGE sample, and the stored value of given keys fetched from the master
 * owning each key's slot (pipelined GETs per master).
 */
import type { Redis } from 'ioredis';
import { median } from '../util/median.js';
import { CLUSTER_SLOTS, keySlot, parseClusterNodes, type ClusterNodeEntry } from './cluster-nodes.js';
import type { ClusterNodeAddress } from './cluster-tracker.js';
import { RedisInspectError, inspectionClient } from './redis-connection.js';
import { globEscape, judgeTtls, scanKeys, type TtlCheck } from './session-inspection.js';

/** phpredis's default prefix for the rediscluster session handler. */
export const DEFAULT_CLUSTER_SESSION_PREFIX = 'PHPREDIS_CLUSTER_SESSION:';

/** The cluster session key prefix of a run: a `prefix=` in a scenario's session.save_path (phpredis reads it as a query string), else phpredis's default. */
export function clusterSessionPrefix(phpIni: Readonly<Record<string, string>>): string {
  const savePath = phpIni['session.save_path'];
  return (savePath ? new URLSearchParams(savePath).get('prefix') : null) ?? DEFAULT_CLUSTER_SESSION_PREFIX;
}
const LOCK_SUFFIX = '_LOCK';
const BATCH = 1000;

/** Clients for the nodes that accept a connection (absent from the map: it did not). */
export async function withClusterClients<T>(nodes: readonly ClusterNodeAddress[], fn: (clients: ReadonlyMap<string, Redis>) => Promise<T>): Promise<T> {
  const clients = new Map<string, Redis>();
  const all: Redis[] = [];
  try {
    await Promise.all(
      nodes.map(async (node) => {
        const client = inspectionClient(node);
        client.on('error', () => {});
        all.push(client);
        try {
          await client.connect();
          clients.set(node.name, client);
        } catch {
          /* down: left out */
        }
      }),
    );
    return await fn(clients);
  } finally {
    for (const c of all) c.disconnect();
  }
}

export interface ClusterNodeReading {
  name: string;
  /** Its own CLUSTER NODES line (null: it did not answer). */
  self: ClusterNodeEntry | null;
  entries: ClusterNodeEntry[];
  usedMemoryBytes: number | null;
}

/** Each node's own view (CLUSTER NODES) and used memory; a node that does not answer reads as null. */
export async function readClusterNodes(nodes: readonly ClusterNodeAddress[], clients: ReadonlyMap<string, Redis>): Promise<ClusterNodeReading[]> {
  return Promise.all(
    nodes.map(async ({ name }) => {
      const client = clients.get(name);
      if (!client) return { name, self: null, entries: [], usedMemoryBytes: null };
      try {
        const [text, memory] = await Promise.all([client.call('CLUSTER', 'NODES'), client.info('memory')]);
        const entries = parseClusterNodes(String(text));
        const used = /used_memory:(\d+)/.exec(memory)?.[1];
        return { name, self: entries.find((e) => e.myself) ?? null, entries, usedMemoryBytes: used === undefined ? null : Number(used) };
      } catch {
        return { name, self: null, entries: [], usedMemoryBytes: null };
      }
    }),
  );
}

/**
 * slot -> name of the master serving it, from each answering master's own claim (the highest
 * config epoch wins a slot two claim, as in Redis): who really answers for a key now.
 */
export function currentSlotOwners(readings: readonly ClusterNodeReading[]): (slot: number) => string | null {
  const owners = new Array<string | null>(CLUSTER_SLOTS).fill(null);
  const epochs = new Float64Array(CLUSTER_SLOTS).fill(-1);
  for (const r of readings) {
    if (r.self?.role !== 'master') continue;
    for (const [start, end] of r.self.slots) {
      for (let s = start; s <= end; s++) {
        if (r.self.configEpoch > epochs[s]!) {
          epochs[s] = r.self.configEpoch;
          owners[s] = r.name;
        }
      }
    }
  }
  return (slot) => owners[slot] ?? null;
}

export interface ClusterSessionsInspection {
  /** Session keys per master (by name). */
  keysByMaster: Record<string, number>;
  keys: number;
  lockKeys: number;
  ttlMinS: number | null;
  ttlMaxS: number | null;
  keysWithoutTtl: number;
  bytesPerSession: number | null;
  ttlCheck: TtlCheck;
}

/** Session keys on each master (SCAN MATCH prefix*), their TTLs, and MEMORY USAGE of up to `sampleSize` keys spread over all of them. */
export async function inspectClusterSessions(
  masters: ReadonlyMap<string, Redis>,
  options: { prefix: string; users: number; expectedTtlS: number; ttlToleranceS: number; sampleSize?: number },
): Promise<ClusterSessionsInspection> {
  const keysByMaster: Record<string, number> = {};
  const found: Array<{ master: string; key: string }> = [];
  let lockKeys = 0;
  let keysWithoutTtl = 0;
  let ttlMinS: number | null = null;
  let ttlMaxS: number | null = null;
  for (const [name, client] of masters) {
    const all = await scanKeys(client, `${globEscape(options.prefix)}*`);
    const keys = all.filter((k) => !k.endsWith(LOCK_SUFFIX));
    lockKeys += all.length - keys.length;
    keysByMaster[name] = keys.length;
    for (const key of keys) found.push({ master: name, key });
    for (let i = 0; i < keys.length; i += BATCH) {
      const pipe = client.pipeline();
      for (const key of keys.slice(i, i + BATCH)) pipe.ttl(key);
      for (const [error, ttl] of (await pipe.exec()) ?? []) {
        if (error) throw new RedisInspectError(`TTL on ${name} failed: ${error.message}`, { cause: error });
        if (ttl === -1) keysWithoutTtl++;
        else if (typeof ttl === 'number' && ttl >= 0) {
          ttlMinS = ttlMinS === null ? ttl : Math.min(ttlMinS, ttl);
          ttlMaxS = ttlMaxS === null ? ttl : Math.max(ttlMaxS, ttl);
        }
        // -2: gone since SCAN.
      }
    }
  }
  const sampleSize = Math.min(options.sampleSize ?? 50, found.length);
  const sizes: number[] = [];
  for (let i = 0; i < sampleSize; i++) {
    const { master, key } = found[Math.floor((i * found.length) / sampleSize)]!;
    const bytes = await masters.get(master)!.memory('USAGE', key);
    if (typeof bytes === 'number') sizes.push(bytes);
  }
  const keys = found.length;
  return {
    keysByMaster,
    keys,
    lockKeys,
    ttlMinS,
    ttlMaxS,
    keysWithoutTtl,
    bytesPerSession: sizes.length ? median(sizes) : null,
    ttlCheck: judgeTtls({ keys, users: options.users, keysWithoutTtl, ttlMinS, ttlMaxS, expectedTtlS: options.expectedTtlS, tolerance: options.ttlToleranceS, prefix: options.prefix }),
  };
}

/**
 * The stored value of each key (null: no key), from the master serving its slot: GETs
 * pipelined per master, 1,000 per round trip. Throws when a slot has no answering master or a
 * master refuses a key (MOVED: the slot map changed while reading).
 */
export async function readClusterValues(
  keys: readonly string[],
  ownerOf: (slot: number) => string | null,
  clients: ReadonlyMap<string, Redis>,
): Promise<Map<string, Buffer | null>> {
  const byOwner = new Map<string, string[]>();
  for (const key of keys) {
    const slot = keySlot(key);
    const owner = ownerOf(slot);
    if (owner === null || !clients.has(owner)) throw new RedisInspectError(`no answering master serves slot ${slot} (key ${key})`);
    const list = byOwner.get(owner) ?? [];
    list.push(key);
    byOwner.set(owner, list);
  }
  const values = new Map<string, Buffer | null>();
  await Promise.all(
    [...byOwner].map(async ([owner, list]) => {
      const client = clients.get(owner)!;
      for (let i = 0; i < list.length; i += BATCH) {
        const batch = list.slice(i, i + BATCH);
        const pipe = client.pipeline();
        for (const key of batch) pipe.getBuffer(key);
        const replies = (await pipe.exec()) ?? [];
        replies.forEach(([error, value], k) => {
          if (error) throw new RedisInspectError(`GET on ${owner} failed: ${error.message}`, { cause: error });
          values.set(batch[k]!, (value as Buffer | null) ?? null);
        });
      }
    }),
  );
  return values;
}
