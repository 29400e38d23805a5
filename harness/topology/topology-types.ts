/**
 * The Provider abstraction (DESIGN: Provider). A provider turns a TopologySpec into running
 * servers; the StartedTopology it returns is AsyncDisposable (testcontainers style) and owns
 * every process or container it started.
 */
import type { ProviderName } from './provider-names.js';
import type { EnvInfo } from '../results/result-schema.js';
import type { BalancerRetry, BalancerTimeouts } from './balancers/balancer-kind.js';

/** none: nothing on disk; rdb: snapshots (Redis's default save points) and one at SHUTDOWN; aof: append-only file, fsync every second. */
export type RedisPersistence = 'none' | 'rdb' | 'aof';
import type { Strategy } from '../strategies/strategy.js';
import type { AppSpec } from '../app/app-spec.js';
import type { LogSource } from '../evidence/evidence-types.js';
import type { ConnectionReuse } from './connection-reuse.js';
import type { NodeConnectionCounters } from './connection-counters.js';
import type { ExternalSpec } from './external/external-settings.js';

/** A Redis Cluster's shape and settings (topology.redis.cluster; the rediscluster strategies). */
export interface RedisClusterSettings {
  /** Masters (>= 3: a majority must survive one loss). */
  masters: number;
  /** Replicas per master. */
  replicasPerMaster: number;
  /** cluster-node-timeout, ms: how long a node may be unreachable before it is flagged failing. */
  nodeTimeoutMs: number;
  /** cluster-require-full-coverage: stop serving every slot while any slot has no master. */
  requireFullCoverage: boolean;
  /** Route the nodes' own links through the partition relay (scenarios with redis-master-partition). */
  partitionable?: boolean;
}

/** One Redis Cluster node as the harness reaches it directly (no proxy): redis-1, redis-2, ... */
export interface RedisClusterNodeAddress {
  name: string;
  host: string;
  port: number;
  /** The client port it announces when that is not its own: its Toxiproxy proxy (redis link faults). */
  announcedPort?: number;
}

/**
 * A started Redis Cluster. Node names are fixed at creation (redis-1..redis-M are the first
 * masters, the rest their replicas); roles change with failovers, so ask Redis (CLUSTER NODES)
 * who is master now.
 */
export interface StartedRedisCluster {
  readonly settings: RedisClusterSettings;
  readonly nodes: readonly RedisClusterNodeAddress[];
  /** SIGKILL one Redis node (redis-master-kill). */
  killRedisNode(name: string): Promise<void>;
  /** Start a killed node again with its data directory and nodes.conf: it rejoins the cluster (as a replica when its slots moved). */
  restoreRedisNode(name: string): Promise<void>;
  /** Names of the nodes killed and not restored. */
  downNodes(): readonly string[];
  /** Whether its nodes' own links run through the partition relay (redis-master-partition). */
  readonly partitionable: boolean;
  /** Cuts these nodes off from the other Redis nodes, both ways (PHP still reaches every node). */
  partitionNodes(names: readonly string[]): void;
  healPartition(): void;
}

export interface TopologySpec {
  /** Unique per run; names the run directory, labels containers. */
  runId: string;
  nodes: number;
  /** A registered balancer name (balancers/balancer-registry.ts). */
  balancer: string;
  strategy: Strategy;
  phpChildren: number;
  serializer: string;
  phpIni: Record<string, string>;
  /** Connection reuse per link (topology.connectionReuse, resolved); absent = defaultConnectionReuse(balancer). */
  connectionReuse?: ConnectionReuse;
  /** Balancer timeouts (topology.balancerTimeouts); unset ones are the balancer kind's defaults. */
  balancerTimeouts?: Partial<BalancerTimeouts>;
  /** Redis persistence (topology.redis.persistence): what a restarted Redis still has. */
  redisPersistence?: RedisPersistence;
  /** A Redis Cluster instead of one Redis (strategies with storage 'rediscluster'). */
  redisCluster?: RedisClusterSettings;
  /** phpredis connect and read timeouts (topology.redis.timeout / readTimeout). */
  redisTimeouts?: { timeoutS: number | 'default'; readTimeoutS: number | 'default' };
  /** Extra data stored in every session ('none' | 'cart' | 'large'). */
  sessionPayload?: string;
  /** The user's PHP application instead of the built-in app (topology.app, resolved; harness/app/). */
  app?: AppSpec;
  /** Put Toxiproxy proxies on links at all. */
  proxies: boolean;
  /** Which links get a proxy when `proxies` is on (default: both kinds). */
  proxyLinks?: { balancer: boolean; redis: boolean };
  /** External Toxiproxy API URL; when absent the embedded server is started. */
  toxiproxyUrl?: string;
  /** The deployment provider 'external' uses instead of starting one (topology.external). */
  external?: ExternalSpec;
  /** Called with human-readable phase messages ("starting node-1", ...). */
  log?: (message: string) => void;
}

/** Names of the Toxiproxy proxies a topology creates. */
export interface ProxyNames {
  /** node name -> proxy between the balancer and that node. */
  balancerToNode: Record<string, string>;
  /**
   * node name -> proxy between that node and Redis (absent without Redis). With a Redis
   * Cluster: cluster node name (redis-N) -> the proxy every client reaches that node through.
   */
  nodeToRedis: Record<string, string>;
}

export interface StartedTopology extends AsyncDisposable {
  readonly provider: ProviderName;
  readonly spec: TopologySpec;
  /** The balancer's URL, reachable from the harness (http://127.0.0.1:PORT). */
  readonly baseUrl: string;
  /** node-1, node-2, ... */
  readonly nodeNames: readonly string[];
  /** Direct Redis address for inspection (ioredis), bypassing proxies; null without one Redis (no Redis, or a cluster). */
  readonly redis: { host: string; port: number } | null;
  /** The Redis Cluster (rediscluster strategies); null otherwise. */
  readonly redisCluster: StartedRedisCluster | null;
  /** Toxiproxy API URL and proxy names, when proxies are on. */
  readonly toxiproxy: { url: string; proxies: ProxyNames } | null;
  readonly balancerRetry: BalancerRetry;
  /** Versions of the servers actually started. */
  readonly env: EnvInfo;
  /** ms it took start() to get everything ready. */
  readonly startMs: number;
  /** SIGKILL a node: PHP-FPM master and workers (whole process group) and its web server. */
  killNode(name: string): Promise<void>;
  /** Start a fresh node under the same name, on the same address; resolves when healthy. */
  restoreNode(name: string): Promise<void>;
  /**
   * One look at every node's connection counters (connection reuse figures): its nginx
   * stub_status and the sockets of its PHP-FPM port; null for a node that is down.
   */
  connectionCounters?(): Promise<Record<string, NodeConnectionCounters | null>>;
  /**
   * Stops Redis (redis-restart fault): `shutdown` = SHUTDOWN (it saves and fsyncs what its
   * persistence keeps), `crash` = SIGKILL (only what its persistence had already written survives).
   */
  stopRedis?(options: { mode: 'shutdown' | 'crash' }): Promise<void>;
  /** Starts Redis again on the same address with the same data directory; resolves when it accepts connections. */
  restoreRedis?(): Promise<void>;
  /**
   * Stops a node without killing it (node-hang): SIGSTOP to its PHP-FPM and web server process
   * groups (docker: `docker pause`). Its sockets stay open and the kernel still accepts
   * connections into their backlog, but nothing answers.
   */
  pauseNode?(name: string): Promise<void>;
  /** SIGCONT (docker: `docker unpause`): the node works through what queued meanwhile. */
  resumeNode?(name: string): Promise<void>;
  /** Stops Redis without killing it (redis-hang): SIGSTOP (docker: pause); connections are accepted, nothing answers. */
  pauseRedis?(): Promise<void>;
  resumeRedis?(): Promise<void>;
  /** Result sections this topology cannot give, and why (an external deployment without a Redis URL): recorded as not inspected, never as passed. */
  readonly notInspected?: Readonly<Record<string, string>>;
  /** Every log of the run's components (root-cause evidence); read them before stop(). */
  logSources?(): LogSource[];
  /** The PHP error logs of every node so far (lock warnings, "Failed to write session data"); read before stop(). */
  phpErrorLog?(): Promise<string>;
  /** Stop everything this topology started. Idempotent. Returns ms taken. */
  stop(): Promise<number>;
}

export interface Provider {
  readonly name: ProviderName;
  /** Fails fast with MissingDependencyError when a binary is absent. */
  checkDependencies(spec: TopologySpec): Promise<void>;
  start(spec: TopologySpec, signal?: AbortSignal): Promise<StartedTopology>;
}
