/** The phpredis `rediscluster` session handler, shared by the rediscluster strategies. */
import type { Strategy } from './strategy.js';

export type ClusterFailover = 'error' | 'distribute';

/**
 * phpredis rediscluster session.save_path: `seed[]=host:port` per node, then the options.
 * `failover=error`: reads go to the master, and fail over to a replica only when it is down;
 * `distribute`: reads go to any node (master or replica) at random. Any other value silently
 * means none. The rediscluster handler has no session locking in any phpredis release.
 * Explicit timeouts by default (2 s each), as for the redis handler.
 */
export function redisClusterSavePath(
  seeds: ReadonlyArray<{ host: string; port: number }>,
  options: { timeoutS?: number | 'default'; readTimeoutS?: number | 'default'; persistent?: boolean; failover: ClusterFailover },
): string {
  if (seeds.length === 0) throw new Error('a rediscluster save_path needs at least one seed');
  const timeout = options.timeoutS ?? 2;
  const readTimeout = options.readTimeoutS ?? 2;
  const params = [
    ...seeds.map((s) => `seed[]=${s.host}:${s.port}`),
    ...(timeout === 'default' ? [] : [`timeout=${timeout}`]),
    ...(readTimeout === 'default' ? [] : [`read_timeout=${readTimeout}`]),
    `failover=${options.failover}`,
    `persistent=${options.persistent ? 1 : 0}`,
  ];
  return params.join('&');
}

export function redisClusterStrategy(name: string, description: string, failover: ClusterFailover): Strategy {
  return {
    name,
    description,
    storage: 'rediscluster',
    routing: 'round-robin',
    preferredBalancer: 'nginx',
    needsRedis: true,
    sessionIni: ({ redisSeeds, persistentRedis, redisTimeouts }) => {
      if (!redisSeeds?.length) throw new Error(`strategy ${name} needs the Redis Cluster's seeds`);
      return {
        'session.save_handler': 'rediscluster',
        'session.save_path': redisClusterSavePath(redisSeeds, { persistent: persistentRedis === true, failover, ...redisTimeouts }),
      };
    },
  };
}
