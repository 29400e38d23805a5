/**
 * Does using a session push its expiry back? phpredis rewrites the key with SETEX
 * gc_maxlifetime on every write (and EXPIREs it on an unchanged session), so after one
 * request the TTL must be back near gc_maxlifetime. Uses PTTL: second-rounded TTLs
 * cannot show a 1.5 s drop reliably.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withRedis, type RedisTarget } from './redis-connection.js';
import { DEFAULT_SESSION_PREFIX } from './session-inspection.js';

export interface TtlRefreshOptions {
  /** The full Redis key, e.g. sessionKey(sid). */
  key: string;
  /** Makes exactly one request with this session (the caller's HTTP client and cookie). */
  touch: () => Promise<unknown>;
  expectedTtlS: number;
  /** Wait before touching, so the TTL visibly drops first (default 1500 ms). */
  waitMs?: number;
  /** How close to expectedTtlS the TTL must be after the touch (default 2 s). */
  toleranceS?: number;
}

export interface TtlRefreshCheck {
  passed: boolean;
  message: string;
  ttlBeforeMs: number;
  ttlBeforeTouchMs: number | null;
  ttlAfterTouchMs: number | null;
}

export function sessionKey(sessionId: string, prefix = DEFAULT_SESSION_PREFIX): string {
  return `${prefix}${sessionId}`;
}

export async function checkTtlRefreshedByUse(redis: RedisTarget, options: TtlRefreshOptions): Promise<TtlRefreshCheck> {
  const waitMs = options.waitMs ?? 1500;
  const toleranceMs = (options.toleranceS ?? 2) * 1000;
  const expectedMs = options.expectedTtlS * 1000;
  return withRedis(redis, async (client) => {
    const ttlBeforeMs = await client.pttl(options.key);
    const result = (passed: boolean, message: string, before: number | null = null, after: number | null = null): TtlRefreshCheck => ({
      passed,
      message,
      ttlBeforeMs,
      ttlBeforeTouchMs: before,
      ttlAfterTouchMs: after,
    });
    if (ttlBeforeMs === -2) return result(false, `${options.key} does not exist`);
    if (ttlBeforeMs === -1) return result(false, `${options.key} has no TTL: it never expires`);
    await sleep(waitMs);
    const before = await client.pttl(options.key);
    try {
      await options.touch();
    } catch (error) {
      return result(false, `touch() failed: ${(error as Error).message}`, before);
    }
    const after = await client.pttl(options.key);
    if (after < 0) return result(false, `${options.key} ${after === -2 ? 'disappeared' : 'lost its TTL'} after the request`, before, after);
    // It must have gone back up by most of the wait, and landed near gc_maxlifetime.
    const rose = after - before >= Math.min(waitMs / 2, 1000);
    const near = Math.abs(after - expectedMs) <= toleranceMs;
    const fmt = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    if (rose && near) {
      return result(true, `TTL refreshed by use: ${fmt(before)} -> ${fmt(after)} (gc_maxlifetime ${options.expectedTtlS} s)`, before, after);
    }
    return result(
      false,
      `TTL not refreshed by use: ${fmt(before)} before the request, ${fmt(after)} after (expected about ${options.expectedTtlS} s)`,
      before,
      after,
    );
  });
}
