/**
 * New connections per request on each link of the stack (result.connections), measured every
 * run from the servers' own counters, sampled every few seconds from a baseline before the
 * load to its end:
 * - balancer -> node: the node nginx's stub_status `accepts` (the harness's own status reads
 *   excluded: one accept and one request each);
 * - node nginx -> PHP-FPM: TIME_WAIT entries of the FPM port (FpmConnectionTracker);
 * - PHP -> Redis: INFO stats total_connections_received (a new run_id = a restarted Redis,
 *   counted from its start; the harness's own reconnects excluded).
 * The denominator of every link is the requests the nodes' nginx served in the same time.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { StartedTopology } from '../topology/topology-types.js';
import { FpmConnectionTracker, TIME_WAIT_SATURATION, type NodeConnectionCounters, type StubStatus } from '../topology/connection-counters.js';
import type { ConnectionReuse, ConnectionReuseSetting } from '../topology/connection-reuse.js';
import type { ConnectionsSection, ConnectionLinkFigures } from './connections-section.js';
import type { Probe } from './probe.js';
import { findBalancer } from '../topology/balancers/balancer-registry.js';

interface NodeState {
  last: StubStatus | null;
  tracker: FpmConnectionTracker | null;
  accepts: number;
  requests: number;
  restarts: number;
  missedSamples: number;
  /** The last reading of this node failed (it was down): the next one spans an unknown stretch. */
  gap: boolean;
}

type Interval = ConnectionsSection['timeline'][number];

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

export class ConnectionProbe implements Probe<'connections'> {
  readonly section = 'connections' as const;
  private readonly nodes = new Map<string, NodeState>();
  private readonly timeline: Interval[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private startedAt = 0;
  private ended = false;
  private redis: Redis | null = null;
  private redisAddress: { host: string; port: number } | null = null;
  private redisState: { runId: string; total: number } | null = null;
  /** Over the intervals with a clean Redis reading (no restart, none missed). */
  private redisConnections = 0;
  private redisRequests = 0;
  private redisRestarts = 0;
  /** The last Redis reading failed: the next delta spans an unknown stretch. */
  private redisGap = false;
  private redisMissed = 0;
  private ownConnects = 0;
  private ownCounted = 0;
  private fpmMissed = 0;
  /** Over the intervals in which the node was read cleanly (not down, not restarted). */
  private fastcgiConnections = 0;
  private fastcgiRequests = 0;

  constructor(
    private readonly topology: StartedTopology,
    private readonly reuse: { setting: ConnectionReuseSetting; resolved: ConnectionReuse },
    private readonly options: {
      intervalMs: number;
      /** Other harness clients that reconnect to a restarted Redis (the Redis inspection's): one connection each per restart. */
      otherRedisClients: number;
    },
  ) {}

  /** The baseline, before the load starts. */
  async start(): Promise<void> {
    await this.sample(true);
  }

  onLoadStart(startedAt: number): void {
    this.startedAt = startedAt;
    this.timer = setInterval(() => {
      if (!this.busy) this.busy = this.sample(false).finally(() => (this.busy = null));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** The load is over: the last sample, before the final reads add requests of their own. */
  async onLoadEnd(): Promise<void> {
    if (this.ended) return;
    if (this.timer) clearInterval(this.timer);
    await this.busy;
    await this.sample(false);
    this.ended = true;
    this.close();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.redis?.disconnect();
    this.redis = null;
  }

  private redisClient(): Redis | null {
    const address = this.topology.redis;
    if (!address) return null;
    // The docker provider's Redis gets a new host port when it restarts.
    if (this.redis && this.redisAddress && (this.redisAddress.host !== address.host || this.redisAddress.port !== address.port)) {
      this.redis.disconnect();
      this.redis = null;
    }
    if (!this.redis) {
      this.redisAddress = { ...address };
      this.redis = new Redis({
        host: address.host,
        port: address.port,
        lazyConnect: false,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 2000,
        commandTimeout: 2000,
        retryStrategy: () => 250,
      });
      this.redis.on('error', () => {});
      this.redis.on('connect', () => this.ownConnects++);
    }
    return this.redis;
  }

  private async readRedis(): Promise<{ runId: string; total: number } | null> {
    const client = this.redisClient();
    if (!client) return null;
    try {
      if (client.status !== 'ready') {
        // Connecting (the first reading, or after a restart): give it a moment.
        await new Promise<void>((resolve) => {
          const done = () => (clearTimeout(timer), client.off('ready', done), resolve());
          const timer = setTimeout(done, 1000);
          client.once('ready', done);
        });
      }
      const [server, stats] = [await client.info('server'), await client.info('stats')];
      const runId = /^run_id:(\w+)/m.exec(server)?.[1];
      const total = /^total_connections_received:(\d+)/m.exec(stats)?.[1];
      return runId && total ? { runId, total: Number(total) } : null;
    } catch {
      return null;
    }
  }

  private async sample(baseline: boolean): Promise<void> {
    const [counters, redis] = await Promise.all([
      this.topology.connectionCounters!().catch(() => ({}) as Record<string, NodeConnectionCounters | null>),
      this.readRedis(),
    ]);
    const nowS = performance.now() / 1000;
    let requests = 0;
    let accepts = 0;
    let fpm: number | null = 0;
    // Intervals in which a node died or came back lose what it served from its nginx counters
    // while its sockets and Redis still count: they are left out of the FastCGI (that node) and
    // Redis (every node) figures.
    let allClean = true;
    for (const name of this.topology.nodeNames) {
      const c = counters[name] ?? null;
      let state = this.nodes.get(name);
      if (!state) {
        state = { last: null, tracker: null, accepts: 0, requests: 0, restarts: 0, missedSamples: 0, gap: false };
        this.nodes.set(name, state);
      }
      if (baseline) {
        state.last = c?.stubStatus ?? null;
        if (c?.fpm) state.tracker = new FpmConnectionTracker(c.fpm, nowS);
        continue;
      }
      const status = c?.stubStatus ?? null;
      let clean = false;
      let dR = 0;
      if (!status) {
        state.missedSamples++;
      } else {
        // Our own read is one accept and one request in every reading.
        const restarted = !state.last || status.pid !== state.last.pid || status.accepts < state.last.accepts || status.requests < state.last.requests;
        if (restarted && state.last) state.restarts++;
        const dA = Math.max(0, status.accepts - (restarted ? 0 : state.last!.accepts) - 1);
        dR = Math.max(0, status.requests - (restarted ? 0 : state.last!.requests) - 1);
        clean = !restarted && !state.gap;
        state.accepts += dA;
        state.requests += dR;
        accepts += dA;
        requests += dR;
        state.last = status;
      }
      state.gap = !status;
      if (c?.fpm && state.tracker) {
        const before = state.tracker.total;
        state.tracker.update(c.fpm, nowS);
        const opened = Math.max(0, state.tracker.total - before);
        if (fpm !== null) fpm += opened;
        if (clean) {
          this.fastcgiConnections += opened;
          this.fastcgiRequests += dR;
        }
      } else if (c?.fpm) {
        state.tracker = new FpmConnectionTracker(c.fpm, nowS);
      } else if (c) {
        this.fpmMissed++;
        fpm = null;
      }
      allClean &&= clean;
    }
    let redisNew: number | null = null;
    if (redis) {
      const own = this.ownConnects - this.ownCounted;
      this.ownCounted = this.ownConnects;
      if (!baseline && this.redisState) {
        const restarted = redis.runId !== this.redisState.runId;
        if (restarted) this.redisRestarts++;
        redisNew = Math.max(0, redis.total - (restarted ? 0 : this.redisState.total) - own - (restarted ? this.options.otherRedisClients : 0));
        // An interval with a restart counts only what came after it: left out of the link's figure (its reconnections show in the timeline).
        if (!restarted && !this.redisGap && allClean) {
          this.redisConnections += redisNew;
          this.redisRequests += requests;
        }
      }
      this.redisState = redis;
      this.redisGap = false;
    } else if (!baseline && this.topology.redis) {
      this.redisMissed++;
      this.redisGap = true;
    }
    if (!baseline) {
      this.timeline.push({
        t: Math.max(0, Math.round(performance.now() - this.startedAt)),
        requests,
        balancer: accepts,
        fastcgi: fpm,
        redis: this.topology.redis ? redisNew : null,
      });
    }
  }

  async finish(): Promise<ConnectionsSection> {
    return this.figures();
  }

  /** The section from the samples taken so far. */
  figures(): ConnectionsSection {
    const nodes = [...this.nodes.entries()];
    const requests = nodes.reduce((n, [, s]) => n + s.requests, 0);
    const figures = (newConnections: number, method: string, lowerBound?: string, linkRequests = requests): ConnectionLinkFigures => ({
      newConnections,
      requests: linkRequests,
      perRequest: linkRequests > 0 ? round(newConnections / linkRequests) : null,
      method,
      ...(lowerBound ? { lowerBound } : {}),
    });
    const notes: string[] = [];
    const restarts = nodes.reduce((n, [, s]) => n + s.restarts, 0);
    const missed = nodes.reduce((n, [, s]) => n + s.missedSamples, 0);
    if (restarts > 0 || missed > 0) {
      notes.push(
        `nodes restarted ${restarts} time(s), ${missed} node reading(s) missed (node down): what a node served between its last reading and its death is not in its nginx counters; those intervals are left out of the PHP-FPM and Redis figures`,
      );
    }
    if (this.redisRestarts > 0 || this.redisMissed > 0) {
      notes.push(
        `Redis restarted ${this.redisRestarts} time(s), ${this.redisMissed} Redis reading(s) missed: those intervals are left out of the PHP -> Redis figure (the timeline shows the reconnections after a restart)`,
      );
    }
    const balancerNote = findBalancer(this.topology.spec.balancer)?.connectionNote;
    if (balancerNote) notes.push(balancerNote);
    const balancer = figures(nodes.reduce((n, [, s]) => n + s.accepts, 0), 'nginx stub_status accepts on each node (the harness\'s own status reads excluded)');
    const trackers = nodes.map(([, s]) => s.tracker).filter((t): t is FpmConnectionTracker => t !== null);
    const fastcgi =
      trackers.length === 0
        ? null
        : figures(
            this.fastcgiConnections,
            'TIME_WAIT entries of the PHP-FPM port seen in the socket table (one per connection closed), plus the connections open at the end; a node\'s intervals in which it died or came back are left out (both counts)',
            [
              'at least: the kernel may give a TIME_WAIT entry to a new connection on the same port before a reading sees it',
              ...(trackers.some((t) => t.saturated) ? [`over ${TIME_WAIT_SATURATION} TIME_WAIT entries on one port: more of them may have been recycled`] : []),
              ...(this.fpmMissed > 0 ? [`${this.fpmMissed} socket-table reading(s) missed`] : []),
            ].join('; '),
            this.fastcgiRequests,
          );
    const redis = this.topology.redis
      ? figures(
          this.redisConnections,
          'Redis INFO stats total_connections_received, the harness\'s own connections excluded; intervals in which Redis restarted or could not be read, or a node died or came back, are left out (both counts)',
          undefined,
          this.redisRequests,
        )
      : null;
    return {
      reuse: { setting: this.reuse.setting, ...this.reuse.resolved },
      intervalMs: this.options.intervalMs,
      links: { balancer, fastcgi, redis },
      nodes: Object.fromEntries(
        nodes.map(([name, s]) => [name, { accepts: s.accepts, requests: s.requests, fpmConnections: s.tracker?.total ?? null, restarts: s.restarts, missedSamples: s.missedSamples }]),
      ),
      redisRestarts: this.redisRestarts,
      timeline: this.timeline,
      notes,
    };
  }
}
