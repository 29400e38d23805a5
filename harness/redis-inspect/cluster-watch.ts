/**
 * Watches a Redis Cluster through a run: every ~250 ms each node is asked CLUSTER NODES and
 * CLUSTER INFO (one plain ioredis client per node, straight to it, not through any proxy),
 * and the answers go to a ClusterTracker, which turns them into events (pfail, fail, promoted,
 * demoted, rejoined, cluster-state, slots-moved). Each node is polled on its own loop, so a
 * stopped node (SIGSTOP: its 1 s command timeout) does not slow the view of the others; a
 * killed node's errors are expected and swallowed (its view stops counting until it answers).
 *
 * Each poll also reads INFO replication: a master's replicas' lag (replication-lag.ts) from
 * the load start on.
 *
 * Times are performance.now() ms; `events(origin)` gives them relative to the load start
 * (negative before it). At the load start the slot map is kept: which master owned which
 * slots when the load began (the probe attributes users to masters with it).
 */
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { parseClusterInfo, parseClusterNodes } from './cluster-nodes.js';
import { LagRecorder, parseReplicationLag } from './replication-lag.js';
import { ClusterTracker, type ClusterEvent, type ClusterNodeAddress, type ClusterSnapshot } from './cluster-tracker.js';

export interface ClusterWatchOptions {
  /** Poll period per node, ms (default 250). */
  intervalMs?: number;
  /** Per command, ms (default 1000). */
  commandTimeoutMs?: number;
  /** Events kept (default 500; later ones are counted as dropped). */
  maxEvents?: number;
}

/** An event with its time relative to an origin (the load start), ms. */
export type TimedClusterEvent = Omit<ClusterEvent, 'at'> & { t: number };

export class ClusterWatch {
  readonly tracker: ClusterTracker;
  private readonly clients = new Map<string, Redis>();
  private readonly intervalMs: number;
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private atLoadStart: ClusterSnapshot | null = null;
  /** Replica lag sampled on every poll of a master from the load start on. */
  readonly lag = new LagRecorder();

  constructor(
    private readonly nodes: readonly ClusterNodeAddress[],
    options: ClusterWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.tracker = new ClusterTracker(nodes, { maxEvents: options.maxEvents ?? 500 });
    for (const node of nodes) {
      const client = new Redis({
        host: node.host,
        port: node.port,
        lazyConnect: true,
        // Fail at once while disconnected (a killed node) instead of queueing; reconnect every interval.
        enableOfflineQueue: false,
        enableReadyCheck: false,
        disableClientInfo: true,
        maxRetriesPerRequest: 0,
        connectTimeout: options.commandTimeoutMs ?? 1000,
        commandTimeout: options.commandTimeoutMs ?? 1000,
        retryStrategy: () => this.intervalMs,
      });
      client.on('error', () => {});
      this.clients.set(node.name, client);
    }
  }

  /** Connects and takes one look at every node that answers (the baseline), then polls until stop(). */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all([...this.clients.values()].map((c) => c.connect().catch(() => {})));
    await Promise.all(this.nodes.map((n) => this.poll(n.name)));
    for (const node of this.nodes) this.loops.push(this.loop(node.name));
  }

  /** The load starts now (performance.now() ms): keep the slot map and roles as they are. */
  markLoadStart(): void {
    this.atLoadStart = this.tracker.snapshot();
  }

  /** The merged view at the load start (null: markLoadStart not called, or no node had answered). */
  snapshotAtLoadStart(): ClusterSnapshot | null {
    return this.atLoadStart;
  }

  /** The events so far, t relative to `origin` (performance.now() ms of the load start). */
  events(origin: number): TimedClusterEvent[] {
    return this.tracker.events().map(({ at, ...rest }) => ({ t: Math.round(at - origin), ...rest }));
  }

  /** Stops polling (waits for polls in flight) and closes the clients. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.sleepers]) wake();
    await Promise.all(this.loops.splice(0));
    for (const c of this.clients.values()) c.disconnect();
  }

  private async loop(name: string): Promise<void> {
    while (this.running) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, this.intervalMs);
        this.sleepers.add(wake);
      });
      if (!this.running) return;
      await this.poll(name);
    }
  }

  private async poll(name: string): Promise<void> {
    const client = this.clients.get(name)!;
    try {
      const [nodesText, infoText, replication] = await Promise.all([client.call('CLUSTER', 'NODES'), client.call('CLUSTER', 'INFO'), client.info('replication')]);
      const at = performance.now();
      if (this.atLoadStart) this.lag.add(parseReplicationLag(replication));
      this.tracker.observe({ observer: name, at, entries: parseClusterNodes(String(nodesText)), state: parseClusterInfo(String(infoText)).state });
    } catch {
      // Down, stopped or restarting: not a witness until it answers again.
      this.tracker.unreachable(name);
    }
  }
}

export interface FailoverSummary {
  failedNode: string;
  flaggedFailAtMs: number;
  /** The replica promoted in its place; null when none was. */
  promotedNode: string | null;
  promotedAtMs: number | null;
}

/**
 * The first master flagged fail and the promotion that replaced it: the first `promoted`
 * event at or after the failure that took the failed master's slots, else the first promotion
 * after it; null when no master was flagged fail.
 */
export function firstFailover(events: readonly TimedClusterEvent[]): FailoverSummary | null {
  const index = events.findIndex((e) => e.type === 'fail' && e.role === 'master');
  if (index < 0) return null;
  const failed = events[index]!;
  const later = events.filter((e) => e.type === 'promoted' && e.t >= failed.t);
  const promoted = later.find((e) => e.from === failed.node) ?? later[0] ?? null;
  return { failedNode: failed.node, flaggedFailAtMs: failed.t, promotedNode: promoted?.node ?? null, promotedAtMs: promoted?.t ?? null };
}
