/**
 * A Redis Cluster of the local provider: masters x (1 + replicas) redis-servers, each with its
 * own directory, nodes.conf and two free ports (clients, and the cluster bus set with
 * `cluster-port`, so no port + 10000 arithmetic), joined by `redis-cli --cluster create`.
 * Ready when every node says cluster_state:ok with all 16384 slots and sees every replica
 * attached to a master, and every replica's replication link is up.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { HarnessError } from '../../errors.js';
import { withRedis } from '../../redis-inspect/redis-connection.js';
import { parseClusterNodes } from '../../redis-inspect/cluster-nodes.js';
import { redisPersistenceArgs } from '../config/redis-config.js';
import type { RedisClusterNodeAddress, RedisClusterSettings, RedisPersistence, StartedRedisCluster } from '../topology-types.js';
import { killProcess, stopProcess, type ManagedProcess } from './process-supervisor.js';
import { logTail, startRedisProcess } from './redis-process.js';
import { ClusterLinkRelay, RELAY_HOST, sourceAddressOf } from './cluster-link-relay.js';

const run = promisify(execFile);
const ALL_SLOTS = 16384;

export interface LocalRedisClusterOptions {
  settings: RedisClusterSettings;
  persistence: RedisPersistence;
  host: string;
  /** Two free ports per node: [client, bus] x (masters x (1 + replicas)). */
  ports: readonly number[];
  /** The run directory: each node gets <dir>/redis-N. */
  dir: string;
  runId: string;
  pidsDir: string;
  redisServer: string;
  redisCli: string;
  log: (message: string) => void;
  signal?: AbortSignal;
  /**
   * Route the nodes' own links (cluster bus, replication) through a relay that can partition
   * them (redis-master-partition); clients still reach every node directly.
   */
  partitionable?: boolean;
}

export function clusterNodeCount(settings: RedisClusterSettings): number {
  return settings.masters * (1 + settings.replicasPerMaster);
}

interface ClusterNode extends RedisClusterNodeAddress {
  busPort: number;
  dir: string;
  proc: ManagedProcess | null;
}

export class LocalRedisCluster implements StartedRedisCluster {
  readonly nodes: readonly RedisClusterNodeAddress[];
  private readonly members: ClusterNode[];
  private relay: ClusterLinkRelay | null = null;

  constructor(private readonly o: LocalRedisClusterOptions) {
    const count = clusterNodeCount(o.settings);
    if (o.ports.length !== 2 * count) throw new Error(`a cluster of ${count} nodes needs ${2 * count} ports, got ${o.ports.length}`);
    this.members = Array.from({ length: count }, (_, i) => ({
      name: `redis-${i + 1}`,
      host: o.host,
      port: o.ports[2 * i]!,
      busPort: o.ports[2 * i + 1]!,
      dir: join(o.dir, `redis-${i + 1}`),
      proc: null,
    }));
    this.nodes = this.members.map(({ name, host, port }) => ({ name, host, port }));
  }

  get settings(): RedisClusterSettings {
    return this.o.settings;
  }

  private member(name: string): ClusterNode {
    const node = this.members.find((m) => m.name === name);
    if (!node) throw new HarnessError(`no Redis node named "${name}": use one of ${this.members.map((m) => m.name).join(', ')}`);
    return node;
  }

  private args(node: ClusterNode): string[] {
    const s = this.o.settings;
    return [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-port', String(node.busPort),
      '--cluster-node-timeout', String(s.nodeTimeoutMs),
      '--cluster-require-full-coverage', s.requireFullCoverage ? 'yes' : 'no',
      // Replicas answer reads (failover=distribute sends reads to them) without READONLY errors.
      '--replica-serve-stale-data', 'yes',
      ...redisPersistenceArgs(this.o.persistence),
      '--dir', node.dir,
      ...(this.o.partitionable
        ? [
            // Peers reach it through the relay; clients are sent to 127.0.0.1 (its hostname).
            '--cluster-announce-ip', RELAY_HOST,
            '--cluster-announce-hostname', node.host,
            '--cluster-preferred-endpoint-type', 'hostname',
            '--bind-source-addr', sourceAddressOf(this.members.indexOf(node) + 1),
          ]
        : []),
    ];
  }

  private async startMember(node: ClusterNode, signal?: AbortSignal): Promise<void> {
    mkdirSync(node.dir, { recursive: true });
    node.proc = await startRedisProcess({
      name: node.name,
      command: this.o.redisServer,
      args: this.args(node),
      host: node.host,
      port: node.port,
      runId: this.o.runId,
      pidsDir: this.o.pidsDir,
      logFile: join(node.dir, 'redis.log'),
      signal,
    });
  }

  async start(): Promise<void> {
    const { settings, signal, log } = this.o;
    log(`starting a Redis Cluster: ${settings.masters} masters x ${settings.replicasPerMaster} replica(s), node timeout ${settings.nodeTimeoutMs} ms`);
    if (this.o.partitionable) {
      this.relay = new ClusterLinkRelay(
        this.members.flatMap((m) => [m.port, m.busPort].map((port) => ({ node: m.name, port, targetHost: m.host }))),
        this.members.map((m) => m.name),
      );
      await this.relay.start();
    }
    await Promise.all(this.members.map((m) => this.startMember(m, signal)));
    // With the relay, the nodes meet through it (the addresses they announce).
    const addresses = this.members.map((m) => `${this.o.partitionable ? RELAY_HOST : m.host}:${m.port}`);
    try {
      // The first `masters` addresses become the masters; the others their replicas.
      await run(this.o.redisCli, ['--cluster', 'create', ...addresses, '--cluster-replicas', String(settings.replicasPerMaster), '--cluster-yes'], {
        timeout: 60_000,
        signal,
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      const text = `${e.stdout ?? ''} ${e.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-3).join(' | ');
      throw new HarnessError(`redis-cli --cluster create failed: ${text || e.message}`);
    }
    await this.waitHealthy(30_000, signal);
  }

  /** Every running node agrees: state ok, every slot covered, the expected replicas attached. */
  private async waitHealthy(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let last = '';
    for (;;) {
      signal?.throwIfAborted();
      last = (await this.healthProblem()) ?? '';
      if (!last) return;
      if (performance.now() > deadline) throw new HarnessError(`the Redis Cluster did not become ready in ${timeoutMs / 1000} s: ${last}`);
      await sleep(100);
    }
  }

  private async healthProblem(): Promise<string | null> {
    const running = this.members.filter((m) => m.proc && !m.proc.hasExited());
    const wantReplicas = this.o.settings.masters * this.o.settings.replicasPerMaster;
    for (const node of running) {
      try {
        const problem = await withRedis(node, async (client) => {
          const info = String(await client.call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info)) return 'cluster_state is not ok';
          const slots = Number(/cluster_slots_ok:(\d+)/.exec(info)?.[1] ?? 0);
          if (slots !== ALL_SLOTS) return `${slots} of ${ALL_SLOTS} slots ok`;
          const lines = String(await client.call('CLUSTER', 'NODES')).trim().split('\n');
          const replicas = lines.map((l) => (l.split(' ')[2] ?? '').split(',')).filter((flags) => flags.includes('slave') && !flags.includes('fail')).length;
          if (replicas < wantReplicas) return `${replicas} of ${wantReplicas} replicas attached`;
          // A replica that never finished its first sync cannot be promoted ("disconnected from
          // master for longer than allowed"): ready means every replica's link is up.
          const replication = await client.info('replication');
          if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return 'its replication link is not up yet';
          return null;
        });
        if (problem) return `${node.name}: ${problem}`;
      } catch (error) {
        return `${node.name}: ${(error as Error).message}`;
      }
    }
    return null;
  }

  async killRedisNode(name: string): Promise<void> {
    const node = this.member(name);
    const proc = node.proc;
    if (!proc || proc.hasExited()) throw new HarnessError(`${name} is not running: nothing to kill`);
    node.proc = null;
    await killProcess(proc, this.o.pidsDir);
  }

  async restoreRedisNode(name: string): Promise<void> {
    const node = this.member(name);
    if (node.proc && !node.proc.hasExited()) throw new HarnessError(`${name} is running: kill it before restoring it`);
    // Same directory, same nodes.conf: it comes back as the same cluster node and rejoins
    // (as a replica of the node promoted in its place).
    await this.startMember(node);
    const deadline = performance.now() + 20_000;
    for (;;) {
      if (await this.rejoined(node)) return;
      if (node.proc?.hasExited()) throw new HarnessError(`${name} exited after its restart: ${logTail(join(node.dir, 'redis.log'))}`);
      if (performance.now() > deadline) throw new HarnessError(`${name} restarted but did not rejoin the cluster in 20 s`);
      await sleep(100);
    }
  }

  /** Cuts these nodes off from the other Redis nodes, both ways; PHP still reaches all of them. */
  partitionNodes(names: readonly string[]): void {
    if (!this.relay) throw new HarnessError('this Redis Cluster was started without its link relay: it cannot be partitioned');
    for (const name of names) this.member(name);
    this.relay.partition(names);
  }

  healPartition(): void {
    if (!this.relay) throw new HarnessError('this Redis Cluster was started without its link relay: nothing to heal');
    this.relay.heal();
  }

  get partitionable(): boolean {
    return this.relay !== null;
  }

  /** It says the cluster is ok, and no running peer still flags it failing. */
  private async rejoined(node: ClusterNode): Promise<boolean> {
    const ok = await withRedis(node, async (c) => /cluster_state:ok/.test(String(await c.call('CLUSTER', 'INFO')))).catch(() => false);
    if (!ok) return false;
    for (const peer of this.members.filter((m) => m !== node && m.proc && !m.proc.hasExited())) {
      const entries = await withRedis(peer, async (c) => parseClusterNodes(String(await c.call('CLUSTER', 'NODES')))).catch(() => null);
      const seen = entries?.find((e) => e.port === node.port);
      if (!seen || seen.failure !== null) return false;
    }
    return true;
  }

  downNodes(): readonly string[] {
    return this.members.filter((m) => !m.proc || m.proc.hasExited()).map((m) => m.name);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        const proc = m.proc;
        m.proc = null;
        if (proc) await stopProcess(proc, this.o.pidsDir);
      }),
    );
    await this.relay?.stop();
    this.relay = null;
  }
}
