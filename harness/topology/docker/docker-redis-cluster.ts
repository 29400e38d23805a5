/**
 * A Redis Cluster of the docker provider: one `redis` container per node (redis-1..redis-N, the
 * first `masters` become the masters) on a fixed address of the run's network, each listening
 * on 6379 and announcing its own container IP, joined by `redis-cli --cluster create` run in
 * the first container. PHP in the node containers and the harness on the host both reach the
 * nodes at those IPs (the host routes to the bridge; MOVED replies name the announced IPs, so
 * published ports would not do). A killed node is `docker kill`ed and restored with
 * `docker start` of the same container: its nodes.conf is in the container's filesystem.
 */
import type { StartedTestContainer } from 'testcontainers';
import { HarnessError } from '../../errors.js';
import { redisServerArgs } from '../config/redis-config.js';
import { waitClusterHealthy, waitNodeRejoined } from '../redis-cluster-health.js';
import type { RedisClusterNodeAddress, RedisClusterSettings, RedisPersistence, StartedRedisCluster } from '../topology-types.js';
import { docker } from './docker-cli.js';

export const CLUSTER_REDIS_PORT = 6379;

export interface DockerRedisClusterOptions {
  settings: RedisClusterSettings;
  persistence: RedisPersistence;
  /** The address of each node in the run's network: masters x (1 + replicas) of them. */
  ips: readonly string[];
  /** Creates and starts one node's container (run labels, network, readiness) with these redis-server arguments. */
  startContainer: (name: string, ip: string, args: string[]) => Promise<StartedTestContainer>;
  log: (message: string) => void;
  signal?: AbortSignal;
}

export class DockerRedisCluster implements StartedRedisCluster {
  readonly nodes: readonly RedisClusterNodeAddress[];
  readonly partitionable = false;
  private readonly containers = new Map<string, StartedTestContainer>();
  private readonly down = new Set<string>();

  constructor(private readonly o: DockerRedisClusterOptions) {
    const want = o.settings.masters * (1 + o.settings.replicasPerMaster);
    if (o.ips.length !== want) throw new Error(`a cluster of ${want} nodes needs ${want} addresses, got ${o.ips.length}`);
    if (o.settings.partitionable) throw this.noPartition();
    this.nodes = o.ips.map((host, i) => ({ name: `redis-${i + 1}`, host, port: CLUSTER_REDIS_PORT }));
  }

  get settings(): RedisClusterSettings {
    return this.o.settings;
  }

  private noPartition(): HarnessError {
    return new HarnessError('the docker provider cannot partition a Redis Cluster yet (redis-master-partition): use provider local');
  }

  private node(name: string): RedisClusterNodeAddress {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new HarnessError(`no Redis node named "${name}": use one of ${this.nodes.map((n) => n.name).join(', ')}`);
    return node;
  }

  private container(name: string): StartedTestContainer {
    const container = this.containers.get(name);
    if (!container) throw new HarnessError(`${name} has no container (the cluster did not start)`);
    return container;
  }

  private args(node: RedisClusterNodeAddress): string[] {
    const s = this.o.settings;
    return [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(s.nodeTimeoutMs),
      '--cluster-require-full-coverage', s.requireFullCoverage ? 'yes' : 'no',
      // What clients are redirected to (MOVED, CLUSTER SLOTS), said explicitly rather than guessed from the bus.
      '--cluster-announce-ip', node.host,
      '--replica-serve-stale-data', 'yes',
      ...redisServerArgs(this.o.persistence),
    ];
  }

  async start(): Promise<void> {
    const { settings, signal, log } = this.o;
    log(`starting a Redis Cluster in docker: ${settings.masters} masters x ${settings.replicasPerMaster} replica(s), node timeout ${settings.nodeTimeoutMs} ms`);
    await Promise.all(
      this.nodes.map(async (node) => this.containers.set(node.name, await this.o.startContainer(node.name, node.host, this.args(node)))),
    );
    signal?.throwIfAborted();
    // The first `masters` addresses become the masters, the others their replicas.
    const addresses = this.nodes.map((n) => `${n.host}:${n.port}`);
    const create = ['redis-cli', '--cluster', 'create', ...addresses, '--cluster-replicas', String(settings.replicasPerMaster), '--cluster-yes'];
    const { output, exitCode } = await this.container(this.nodes[0]!.name).exec(create);
    if (exitCode !== 0) {
      const tail = output.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-3).join(' | ');
      throw new HarnessError(`redis-cli --cluster create failed (exit ${exitCode}): ${tail}`);
    }
    await waitClusterHealthy(() => this.running(), settings, 30_000, signal);
  }

  private running(): RedisClusterNodeAddress[] {
    return this.nodes.filter((n) => !this.down.has(n.name) && this.containers.has(n.name));
  }

  /** A running node's container (for `/psl/versions`); null when none runs. */
  anyContainer(): StartedTestContainer | null {
    const node = this.running()[0];
    return node ? this.container(node.name) : null;
  }

  async killRedisNode(name: string): Promise<void> {
    this.node(name);
    if (this.down.has(name)) throw new HarnessError(`${name} is not running: nothing to kill`);
    const container = this.container(name);
    this.down.add(name);
    await docker(['kill', '--signal', 'KILL', container.getId()]);
  }

  async restoreRedisNode(name: string): Promise<void> {
    const node = this.node(name);
    if (!this.down.has(name)) throw new HarnessError(`${name} is running: kill it before restoring it`);
    const id = this.container(name).getId();
    // Same container, same address, same nodes.conf: it comes back as the same cluster node
    // (a replica of the node promoted in its place).
    await docker(['start', id]);
    this.down.delete(name);
    await waitNodeRejoined(node, () => this.running().filter((n) => n !== node), {
      timeoutMs: 20_000,
      gone: async () => {
        if ((await docker(['inspect', '--format', '{{.State.Running}}', id]).catch(() => 'false')) === 'true') return null;
        return `container stopped: ${(await docker(['logs', '--tail', '5', id]).catch(() => '')).split('\n').join(' | ')}`;
      },
    });
  }

  downNodes(): readonly string[] {
    return this.nodes.filter((n) => this.down.has(n.name)).map((n) => n.name);
  }

  partitionNodes(): void {
    throw this.noPartition();
  }

  healPartition(): void {
    throw this.noPartition();
  }
}
