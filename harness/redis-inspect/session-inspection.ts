/**
 * What the session store holds after a run: session keys (SCAN, never KEYS), their TTLs
 * and memory per session, and a TTL check — phpredis writes every session with
 * SETEX session.gc_maxlifetime, so a key without TTL (-1) or with a TTL far from
 * gc_maxlifetime means sessions never expire or expire early.
 */
import type { Redis } from 'ioredis';
import { median } from '../util/median.js';
import { InvalidInputError } from '../errors.js';
import { withRedis, type RedisTarget } from './redis-connection.js';

export const DEFAULT_SESSION_PREFIX = 'PHPREDIS_SESSION:';
/** phpredis session lock keys are `<session key>_LOCK`: not sessions. */
const LOCK_SUFFIX = '_LOCK';

export interface InspectSessionsOptions {
  /** Users the workload created sessions for (reported next to the key count). */
  users: number;
  prefix?: string;
  /** session.gc_maxlifetime the nodes run with (1440 by default in PHP). */
  expectedTtlS: number;
  /** How far below expectedTtlS a TTL may be: keys age while the run goes on.
   *  Default max(60 s, 25% of expectedTtlS); pass the run's duration + slack for long runs. */
  ttlToleranceS?: number;
  /** Keys whose MEMORY USAGE is sampled (default 50, evenly spread over the keys). */
  sampleSize?: number;
  /** COUNT hint per SCAN call (default 1000). */
  scanCount?: number;
}

export interface TtlCheck {
  passed: boolean;
  message: string;
}

export interface RedisSessionInspection {
  prefix: string;
  /** Session keys under the prefix (lock keys excluded). */
  keys: number;
  users: number;
  /** keys / users (null without users). */
  keysPerUser: number | null;
  lockKeys: number;
  /** TTL range in seconds over keys that have one (null when none has). */
  ttlMinS: number | null;
  ttlMaxS: number | null;
  keysWithoutTtl: number;
  /** Median MEMORY USAGE in bytes over the sample (null without keys). */
  bytesPerSession: number | null;
  sampledKeys: number;
  expectedTtlS: number;
  ttlCheck: TtlCheck;
}

/** Escapes glob metacharacters so the prefix matches literally in SCAN MATCH. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

export async function scanKeys(client: Redis, pattern: string, count = 1000): Promise<string[]> {
  const seen = new Set<string>(); // SCAN may return a key twice (rehashing)
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    for (const key of batch) seen.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...seen];
}


export async function inspectSessions(redis: RedisTarget, options: InspectSessionsOptions): Promise<RedisSessionInspection> {
  const prefix = options.prefix ?? DEFAULT_SESSION_PREFIX;
  const { users, expectedTtlS } = options;
  if (!Number.isInteger(users) || users < 0) throw new InvalidInputError(`users must be a non-negative integer (got ${users})`);
  if (!(expectedTtlS > 0)) throw new InvalidInputError(`expectedTtlS must be > 0 (got ${expectedTtlS})`);
  if (prefix.length === 0) throw new InvalidInputError('prefix must not be empty (it would inspect every key)');
  const sampleSize = options.sampleSize ?? 50;
  const tolerance = options.ttlToleranceS ?? Math.max(60, Math.round(expectedTtlS * 0.25));

  return withRedis(redis, async (client) => {
    const all = await scanKeys(client, `${globEscape(prefix)}*`, options.scanCount ?? 1000);
    const keys = all.filter((k) => !k.endsWith(LOCK_SUFFIX));
    const lockKeys = all.length - keys.length;

    const ttls: number[] = [];
    let keysWithoutTtl = 0;
    const batchSize = 1000;
    for (let i = 0; i < keys.length; i += batchSize) {
      const pipe = client.pipeline();
      for (const key of keys.slice(i, i + batchSize)) pipe.ttl(key);
      const replies = (await pipe.exec()) ?? [];
      for (const [error, ttl] of replies) {
        if (error) throw error;
        if (ttl === -1) keysWithoutTtl++;
        else if (typeof ttl === 'number' && ttl >= 0) ttls.push(ttl);
        // -2: the key expired or was deleted since SCAN; not counted.
      }
    }

    const sample: string[] = [];
    const n = Math.min(sampleSize, keys.length);
    for (let i = 0; i < n; i++) sample.push(keys[Math.floor((i * keys.length) / n)]!);
    const sizes: number[] = [];
    for (const key of sample) {
      const bytes = await client.memory('USAGE', key);
      if (typeof bytes === 'number') sizes.push(bytes);
    }

    let ttlMinS: number | null = null;
    let ttlMaxS: number | null = null;
    for (const t of ttls) {
      if (ttlMinS === null || t < ttlMinS) ttlMinS = t;
      if (ttlMaxS === null || t > ttlMaxS) ttlMaxS = t;
    }
    return {
      prefix,
      keys: keys.length,
      users,
      keysPerUser: users > 0 ? keys.length / users : null,
      lockKeys,
      ttlMinS,
      ttlMaxS,
      keysWithoutTtl,
      bytesPerSession: sizes.length === 0 ? null : median(sizes),
      sampledKeys: sizes.length,
      expectedTtlS,
      ttlCheck: judgeTtls({ keys: keys.length, users, keysWithoutTtl, ttlMinS, ttlMaxS, expectedTtlS, tolerance, prefix }),
    };
  });
}

export function judgeTtls(s: {
  keys: number;
  users: number;
  keysWithoutTtl: number;
  ttlMinS: number | null;
  ttlMaxS: number | null;
  expectedTtlS: number;
  tolerance: number;
  prefix: string;
}): TtlCheck {
  const gc = `session.gc_maxlifetime=${s.expectedTtlS} s`;
  if (s.keys === 0) {
    return s.users > 0
      ? { passed: false, message: `no session keys under ${s.prefix} although ${s.users} users were served` }
      : { passed: true, message: `no session keys under ${s.prefix} and no users: nothing to check` };
  }
  if (s.keysWithoutTtl > 0) {
    return {
      passed: false,
      message: `${s.keysWithoutTtl} of ${s.keys} session keys have no TTL (-1): they never expire (phpredis writes SETEX ${s.expectedTtlS})`,
    };
  }
  if (s.ttlMaxS === null || s.ttlMinS === null) {
    return { passed: false, message: `every session key vanished while its TTL was read` };
  }
  // +1: TTL is rounded, a key written this second can read gc_maxlifetime exactly.
  if (s.ttlMaxS > s.expectedTtlS + 1) {
    return { passed: false, message: `session TTLs up to ${s.ttlMaxS} s exceed ${gc}: keys are not written with the session lifetime` };
  }
  if (s.ttlMinS < s.expectedTtlS - s.tolerance) {
    return {
      passed: false,
      message: `session TTLs down to ${s.ttlMinS} s, more than ${s.tolerance} s below ${gc}: sessions expire early or are not refreshed`,
    };
  }
  return { passed: true, message: `all ${s.keys} session keys expire in ${s.ttlMinS}..${s.ttlMaxS} s (${gc}, tolerance ${s.tolerance} s)` };
}
