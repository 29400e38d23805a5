/**
 * Bytes one stored session costs Redis, measured as the growth of INFO used_memory per key:
 * MEMORY USAGE counts a key's own allocations but not its share of the keyspace and expires
 * dictionaries (their bucket arrays), so it under-counts. Copies of real session values
 * (sampled from the run's Redis, or written by the app) are written under new keys of the same
 * length with the same TTL, used_memory is read before and after, and the copies are deleted.
 */
import type { Redis } from 'ioredis';
import { globEscape, scanKeys } from '../redis-inspect/index.js';

export interface SessionSample {
  key: string;
  value: Buffer;
}

export interface BytesPerSession {
  bytes: number;
  /** Keys written for the measurement. */
  keys: number;
  usedMemoryBefore: number;
  usedMemoryAfter: number;
  /** Mean size of the session values written (bytes). */
  meanValueBytes: number;
  /** MEMORY USAGE of one real session key, for comparison (under-counts the per-key overhead). */
  memoryUsageOfOne: number | null;
}

/** INFO memory used_memory, in bytes. */
export async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const m = /^used_memory:(\d+)/m.exec(info);
  if (!m) throw new Error('INFO memory has no used_memory');
  return Number(m[1]);
}

/** Up to `limit` real session keys and their values under `prefix` (lock keys left out). */
export async function sampleSessions(client: Redis, prefix: string, limit = 200): Promise<SessionSample[]> {
  const keys = (await scanKeys(client, `${globEscape(prefix)}*`, 1000)).filter((k) => !k.endsWith('_LOCK')).slice(0, limit);
  const out: SessionSample[] = [];
  for (const key of keys) {
    const value = await client.getBuffer(key);
    if (value) out.push({ key, value });
  }
  return out;
}

/** A key as long as `like`, under `tag`, numbered i: the measurement's keys cost what real ones do. */
export function lookalikeKey(like: string, tag: string, i: number): string {
  const suffix = `${tag}${i.toString(36)}`;
  return like.length > suffix.length ? like.slice(0, like.length - suffix.length) + suffix : suffix;
}

async function settledUsedMemory(client: Redis): Promise<number> {
  // Redis rehashes its dictionaries incrementally (activerehashing, every 100 ms): give a
  // rehash that the writes started time to free the old table before reading.
  await new Promise((r) => setTimeout(r, 300));
  return usedMemory(client);
}

/**
 * Writes `count` copies of the samples (pipelined, SET ... EX ttlS) under keys of the samples'
 * length and returns used_memory's growth per key. With `keep`, the keys stay (a test wants
 * them); otherwise they are deleted again.
 */
export async function measureBytesPerSession(
  client: Redis,
  samples: readonly SessionSample[],
  options: { count: number; ttlS: number; tag?: string; keep?: boolean },
): Promise<BytesPerSession> {
  if (samples.length === 0) throw new Error('measureBytesPerSession: no session to copy');
  const tag = options.tag ?? `pslcap${process.pid.toString(36)}`;
  const before = await settledUsedMemory(client);
  const written: string[] = [];
  const batch = 1000;
  for (let from = 0; from < options.count; from += batch) {
    const pipe = client.pipeline();
    for (let i = from; i < Math.min(options.count, from + batch); i++) {
      const s = samples[i % samples.length]!;
      const key = lookalikeKey(s.key, tag, i);
      written.push(key);
      pipe.set(key, s.value, 'EX', Math.max(1, Math.round(options.ttlS)));
    }
    const results = await pipe.exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }
  const after = await settledUsedMemory(client);
  let memoryUsageOfOne: number | null = null;
  try {
    memoryUsageOfOne = Number(await client.call('MEMORY', 'USAGE', samples[0]!.key, 'SAMPLES', '0')) || null;
  } catch {
    memoryUsageOfOne = null;
  }
  if (!options.keep) {
    for (let i = 0; i < written.length; i += batch) await client.unlink(...written.slice(i, i + batch));
  }
  const meanValueBytes = samples.reduce((s, x) => s + x.value.length, 0) / samples.length;
  return { bytes: (after - before) / options.count, keys: options.count, usedMemoryBefore: before, usedMemoryAfter: after, meanValueBytes, memoryUsageOfOne };
}

/** Redis memory for `sessions` stored sessions. */
export function sessionMemoryBytes(sessions: number, bytesPerSession: number): number {
  return sessions * bytesPerSession;
}

/** INFO stats: bytes Redis received and sent so far (its network traffic). */
export async function redisNetBytes(client: Redis): Promise<number> {
  const info = await client.info('stats');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('total_net_input_bytes') + field('total_net_output_bytes');
}
