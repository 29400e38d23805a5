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
import { HarnessError } from '../../errors.js';
import { redisServerArgs } from '../config/redis-config.js';
import { waitClusterHealthy, waitNodeRejoined } from '../redis-cluster-health.js';
import type { RedisClusterNodeAddress, RedisClusterSettings, RedisPersistence, StartedRedisCluster } from '../topology-types.js';
import { killProcess, stopProcess, type ManagedProcess } from './process-supervisor.js';
import { logTail, startRedisProcess } from './redis-process.js';
import { ClusterLinkRelay, RELAY_HOST, sourceAddressOf } from './cluster-link-relay.js';

const run = promisify(execFile);

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
  /**
   * The client port each node announces instead of its own (its Toxiproxy proxy, for redis link
   * faults): PHP's redirections and the replicas' replication go there.
   */
  announcedPorts?: readonly number[];
}

export function clusterNodeCount(settings: RedisClusterSettings): number {
  return settings.masters * (1 + settings.replicasPerMaster);
}

interface ClusterNode extends RedisClusterNodeAddress {
  busPort: number;
  announcedPort: number;
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
    if (o.announcedPorts && o.announcedPorts.length !== count) throw new Error(`${count} nodes need as many announced ports, got ${o.announcedPorts.length}`);
    this.members = Array.from({ length: count }, (_, i) => ({
      name: `redis-${i + 1}`,
      host: o.host,
      port: o.ports[2 * i]!,
      busPort: o.ports[2 * i + 1]!,
      announcedPort: o.announcedPorts?.[i] ?? o.ports[2 * i]!,
      dir: join(o.dir, `redis-${i + 1}`),
      proc: null,
    }));
    this.nodes = this.members.map(({ name, host, port, announcedPort }) => ({ name, host, port, ...(announcedPort !== port ? { announcedPort } : {}) }));
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
      ...redisServerArgs(this.o.persistence),
      '--dir', node.dir,
      ...(node.announcedPort !== node.port ? ['--cluster-announce-port', String(node.announcedPort), '--cluster-announce-bus-port', String(node.busPort)] : []),
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
        // Replication (at the announced client port) and the bus go straight to the node, never through Toxiproxy.
        this.members.flatMap((m) => [
          { node: m.name, port: m.announcedPort, targetHost: m.host, targetPort: m.port },
          { node: m.name, port: m.busPort, targetHost: m.host, targetPort: m.busPort },
        ]),
        this.members.map((m) => m.name),
      );
      await this.relay.start();
    }
    await Promise.all(this.members.map((m) => this.startMember(m, signal)));
    // With the relay, the nodes meet through it (the addresses they announce).
    const addresses = this.members.map((m) => `${this.o.partitionable ? RELAY_HOST : m.host}:${m.announcedPort}`);
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
    await waitClusterHealthy(() => this.running(), this.o.settings, 30_000, signal);
  }

  private running(): ClusterNode[] {
    return this.members.filter((m) => m.proc && !m.proc.hasExited());
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
    await waitNodeRejoined(node, () => this.running().filter((m) => m !== node), {
      timeoutMs: 20_000,
      gone: () => (node.proc?.hasExited() ? logTail(join(node.dir, 'redis.log')) : null),
    });
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
