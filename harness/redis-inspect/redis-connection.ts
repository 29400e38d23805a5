/**
 * One short-lived ioredis connection for inspection: no retries, no offline queue, no
 * ready-check INFO and no CLIENT SETINFO, so the inspector adds as few commands as
 * possible to the server it measures. A caller's own client is used as is, never closed.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { HarnessError } from '../errors.js';

export interface RedisAddress {
  host: string;
  port: number;
}
export type RedisTarget = RedisAddress | Redis;

export class RedisInspectError extends HarnessError {
  override readonly code = 'PSL_REDIS_INSPECT';
}

/** A short-lived inspection client: no retries, no ready check, no CLIENT SETINFO; connect() it yourself. */
export function inspectionClient(target: RedisAddress, overrides: Partial<RedisOptions> = {}): Redis {
  return new Redis({
    host: target.host,
    port: target.port,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: true,
    disableClientInfo: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    commandTimeout: 10_000,
    retryStrategy: () => null,
    ...overrides,
  });
}

export async function withRedis<T>(target: RedisTarget, fn: (client: Redis) => Promise<T>): Promise<T> {
  if (target instanceof Redis) return fn(target);
  const client = inspectionClient(target);
  // Errors surface through the awaited commands; without a listener ioredis would log them.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new RedisInspectError(`cannot connect to Redis at ${target.host}:${target.port}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
}
