/**
 * Redis Cluster inspection for every run with a cluster store (the rediscluster strategies),
 * beside the single-Redis probe: a watcher polls every node's CLUSTER NODES / CLUSTER INFO from
 * before the load to the end and records what the cluster did (failures, promotions, slot
 * moves, cluster_state); each answer is counted per user; after the final reads, each node's
 * role and memory, the session keys per master with their TTLs, every user's stored session
 * against the HTTP model (the store check), and the users' outcomes per master that owned
 * their slot when the load started.
 */
import { performance } from 'node:perf_hooks';
import { sessionCounts, type UserModel } from '../checks/session-checker.js';
import { slotCount } from '../redis-inspect/cluster-nodes.js';
import {
  DEFAULT_CLUSTER_SESSION_PREFIX,
  currentSlotOwners,
  inspectClusterSessions,
  readClusterNodes,
  readClusterValues,
  withClusterClients,
  type ClusterNodeReading,
} from '../redis-inspect/cluster-inspection.js';
import { ClusterWatch, firstFailover, type ClusterWatchOptions } from '../redis-inspect/cluster-watch.js';
import type { ClusterSnapshot } from '../redis-inspect/cluster-tracker.js';
import { buildStoreCheckSection, compareWithVerdict, decodableSerializers } from '../redis-inspect/store-check.js';
import type { StartedRedisCluster } from '../topology/topology-types.js';
import type { RequestRecord } from '../workload/load-events.js';
import type { Probe, ProbeEnd } from './probe.js';
import { OwnerTally, ownerOfUser, slotLookup } from './redis-cluster-attribution.js';
import type { RedisClusterSection } from './redis-cluster-section.js';

export interface RedisClusterProbeOptions {
  /** session.gc_maxlifetime: the TTL every key should have. */
  expectedTtlS: number;
  /** session.serialize_handler of the nodes. */
  serializer: string;
  /** session.name: the cookie holding the session id. */
  cookieName: string;
  /** Session key prefix (default PHPREDIS_CLUSTER_SESSION:). */
  prefix?: string;
  /** Bursts mode learns counts by reading: visit_count is not a per-write account there. */
  compareVisitCount: boolean;
  /** The watcher's poll period and command timeout. */
  watch?: ClusterWatchOptions;
  log: (message: string) => void;
}

/** What the probe reads of the started cluster. */
export type InspectedRedisCluster = Pick<StartedRedisCluster, 'settings' | 'nodes' | 'downNodes'>;

export class RedisClusterProbe implements Probe<'redisCluster'> {
  readonly section = 'redisCluster' as const;
  private readonly watch: ClusterWatch;
  private readonly tally = new OwnerTally();
  private readonly prefix: string;
  private loadStartedAt: number | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly cluster: InspectedRedisCluster,
    private readonly options: RedisClusterProbeOptions,
  ) {
    this.prefix = options.prefix ?? DEFAULT_CLUSTER_SESSION_PREFIX;
    this.watch = new ClusterWatch(cluster.nodes, options.watch);
  }

  /** The baseline look at every node, then polling until finish(). */
  async start(): Promise<void> {
    await this.watch.start();
  }

  onLoadStart(startedAt: number): void {
    this.loadStartedAt = startedAt;
    this.watch.markLoadStart();
  }

  onRecord(record: RequestRecord): void {
    this.tally.record(record);
  }

  /** The watcher goes on through the final reads: a failed node's rejoin after the heal is part of the story. */
  async onLoadEnd(): Promise<void> {}

  async finish(end: ProbeEnd): Promise<RedisClusterSection | null> {
    await this.stopWatch();
    if (end.aborted) return null;
    const { log } = this.options;
    log('inspecting the Redis Cluster (roles, session keys per master, TTLs, every stored session against the model)');
    const origin = this.loadStartedAt ?? performance.now();
    const down = new Set(this.cluster.downNodes());
    const up = this.cluster.nodes.filter((n) => !down.has(n.name));
    return withClusterClients(up, async (clients) => {
      const readings = await readClusterNodes(this.cluster.nodes, clients);
      const masters = new Map([...clients].filter(([name]) => readings.find((r) => r.name === name)?.self?.role === 'master'));
      // A session last used at the start of a long run has aged by the whole run.
      const ttlToleranceS = Math.max(60, Math.ceil(end.durationMs / 1000) + 60);
      const sessions = await inspectClusterSessions(masters, { prefix: this.prefix, users: end.users.length, expectedTtlS: this.options.expectedTtlS, ttlToleranceS });
      const { storeCheck, storeCheckError } = await this.storeCheck(end.users, readings, clients);
      const start = this.watch.snapshotAtLoadStart();
      const events = this.watch.events(origin);
      return {
        settings: { ...this.cluster.settings },
        prefix: this.prefix,
        nodes: nodeRows(readings, start, down, sessions.keysByMaster),
        slotsAtStart: start?.slots ?? [],
        users: end.users.length,
        keys: sessions.keys,
        lockKeys: sessions.lockKeys,
        ttlMinS: sessions.ttlMinS,
        ttlMaxS: sessions.ttlMaxS,
        keysWithoutTtl: sessions.keysWithoutTtl,
        expectedTtlS: this.options.expectedTtlS,
        ttlCheck: sessions.ttlCheck,
        bytesPerSession: sessions.bytesPerSession,
        events,
        droppedEvents: this.watch.tracker.dropped(),
        failover: firstFailover(events),
        replicationLag: this.watch.lag.summary(),
        ...attributeUsers(this.tally, end.users, start, this.options.cookieName, this.prefix),
        ...(storeCheck ? { storeCheck } : {}),
        ...(storeCheckError ? { storeCheckError } : {}),
      };
    });
  }

  /** Every user's key read from the master serving its slot now, judged against the HTTP model. */
  private async storeCheck(
    users: readonly UserModel[],
    readings: readonly ClusterNodeReading[],
    clients: Parameters<typeof readClusterValues>[2],
  ): Promise<Pick<RedisClusterSection, 'storeCheck' | 'storeCheckError'>> {
    const { serializer, cookieName, compareVisitCount, log } = this.options;
    const options = { serializer, cookieName, compareVisitCount, prefix: this.prefix };
    const started = performance.now();
    try {
      let values = new Map<string, Buffer | null>();
      if ((decodableSerializers as readonly string[]).includes(serializer)) {
        const keys = [...new Set(users.flatMap((u) => (u.cookies.has(cookieName) ? [this.prefix + u.cookies.get(cookieName)!] : [])))];
        values = await readClusterValues(keys, currentSlotOwners(readings), clients);
      }
      const storeCheck = buildStoreCheckSection(users, (key) => values.get(key) ?? null, options, performance.now() - started);
      log(`store check: ${compareWithVerdict(storeCheck, sessionCounts(users)).statement}`);
      return { storeCheck };
    } catch (error) {
      const storeCheckError = (error as Error).message;
      log(`store check failed: ${storeCheckError}`);
      return { storeCheckError };
    }
  }

  private stopWatch(): Promise<void> {
    this.stopped ??= this.watch.stop();
    return this.stopped;
  }

  close(): void {
    void this.stopWatch();
  }
}

/** One row per node: its role at the load start (the merged view) and its own word at the end. */
export function nodeRows(
  readings: readonly ClusterNodeReading[],
  start: ClusterSnapshot | null,
  down: ReadonlySet<string>,
  keysByMaster: Readonly<Record<string, number>>,
): RedisClusterSection['nodes'] {
  const nameOfId = new Map(readings.flatMap((r) => (r.self ? [[r.self.id, r.name] as const] : [])));
  return readings.map((r) => {
    const self = r.self;
    const masterAtEnd = self?.role === 'replica' && self.masterId ? nameOfId.get(self.masterId) ?? self.masterId.slice(0, 8) : null;
    return {
      name: r.name,
      roleAtStart: start?.roles[r.name] ?? 'unknown',
      roleAtEnd: self ? self.role : down.has(r.name) ? 'down' : 'unreachable',
      masterAtEnd,
      keys: self?.role === 'master' ? keysByMaster[r.name] ?? 0 : 0,
      usedMemoryBytes: r.usedMemoryBytes,
    };
  });
}

/** The users' figures per master that owned their final session key's slot at the load start. */
export function attributeUsers(
  tally: OwnerTally,
  users: readonly UserModel[],
  start: ClusterSnapshot | null,
  cookieName: string,
  prefix: string,
): Pick<RedisClusterSection, 'perOwner' | 'unattributed' | 'errorsPerSecondByOwner'> {
  const slots = start?.slots ?? [];
  const ownerOf = slotLookup(slots);
  const masters = new Map<string, number>();
  for (const range of slots) masters.set(range.master, (masters.get(range.master) ?? 0) + slotCount([[range.start, range.end]]));
  const ordered = [...masters].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([master, n]) => ({ master, slots: n }));
  return tally.summarize(users, (user) => ownerOfUser(user, cookieName, prefix, ownerOf), ordered);
}
