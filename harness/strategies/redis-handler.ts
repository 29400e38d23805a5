/** The phpredis `redis` session handler, shared by the redis strategies. */
import type { Strategy } from './strategy.js';

/**
 * phpredis session.save_path, with explicit timeouts by default (2 s each): phpredis's own are a
 * connect timeout of default_socket_timeout (60 s) and read_timeout 0 = wait forever, so a hung
 * Redis hangs every worker. 'default' leaves a timeout out (what a stock install does).
 * `persistent`: keep the connection open after the request (one per PHP-FPM worker, reused by
 * its next requests; phpredis checks it with an ECHO first, redis.pconnect.echo_check_liveness=1).
 */
export function redisSavePath(
  redis: { host: string; port: number },
  options: { timeoutS?: number | 'default'; readTimeoutS?: number | 'default'; persistent?: boolean } = {},
): string {
  const timeout = options.timeoutS ?? 2;
  const readTimeout = options.readTimeoutS ?? 2;
  const params = [
    ...(timeout === 'default' ? [] : [`timeout=${timeout}`]),
    ...(readTimeout === 'default' ? [] : [`read_timeout=${readTimeout}`]),
    `persistent=${options.persistent ? 1 : 0}`,
    'prefix=PHPREDIS_SESSION:',
  ];
  return `tcp://${redis.host}:${redis.port}?${params.join('&')}`;
}

/** A round-robin strategy on one shared Redis, with these `redis.session.*` lock settings. */
export function redisStrategy(name: string, description: string, lockSettings: Record<string, string>): Strategy {
  return {
    name,
    description,
    storage: 'redis',
    routing: 'round-robin',
    preferredBalancer: 'nginx',
    needsRedis: true,
    sessionIni: ({ redis, persistentRedis, redisTimeouts }) => ({
      'session.save_handler': 'redis',
      'session.save_path': redisSavePath(redis!, { persistent: persistentRedis === true, ...redisTimeouts }),
      ...lockSettings,
    }),
  };
}
