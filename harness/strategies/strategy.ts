/**
 * A strategy is storage x routing (DESIGN: Strategy): data plus the php.ini session settings
 * it implies. One file per strategy, one line in strategy-registry.ts.
 */

export interface StrategyIniContext {
  /** This node's own session directory (files handler). */
  sessionDir: string;
  /** The Redis address this node must use (a Toxiproxy proxy when proxies are on). */
  redis: { host: string; port: number } | null;
  /** The Redis Cluster nodes this node's phpredis uses as seeds (rediscluster strategies). */
  redisSeeds?: ReadonlyArray<{ host: string; port: number }>;
  /** Keep the Redis connection open between requests (topology.connectionReuse.redis). */
  persistentRedis?: boolean;
  /** phpredis connect and read timeouts in seconds, or 'default' (topology.redis); unset: 2 s each. */
  redisTimeouts?: { timeoutS: number | 'default'; readTimeoutS: number | 'default' };
}

export interface Strategy {
  readonly name: string;
  readonly description: string;
  readonly storage: 'files' | 'redis' | 'rediscluster';
  readonly routing: 'round-robin' | 'sticky';
  /** A registered balancer name (harness/topology/balancers/). */
  readonly preferredBalancer: string;
  readonly needsRedis: boolean;
  /** php.ini lines (key -> value) for the session handler of one node. */
  sessionIni(ctx: StrategyIniContext): Record<string, string>;
}
