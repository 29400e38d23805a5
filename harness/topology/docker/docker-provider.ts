/**
 * The docker provider: the same topology as `local`, in containers started with testcontainers
 * on a private network of the run. Images come from docker/ (cached by content hash). Only the
 * balancer and Redis are published, on 127.0.0.1. Every container sits on a fixed address, so a
 * restored node comes back where the balancer and the proxies expect it. Nodes, links, proxies
 * and configs come from the same plan as the local provider's (plan/plan-topology.ts); this
 * file only says where things are in the run's network and turns the plan into containers.
 */
import { performance } from 'node:perf_hooks';
import { Wait, type StartedTestContainer } from 'testcontainers';
import type { Provider, ProxyNames, StartedTopology, TopologySpec } from '../topology-types.js';
import type { EnvInfo } from '../../results/result-schema.js';
import type { BalancerRetry } from '../balancers/balancer-kind.js';
import { collectEnvInfo } from '../../results/env-info.js';
import { HarnessError, ReadinessTimeoutError, RunAbortedError } from '../../errors.js';
import { redisServerArgs } from '../config/redis-config.js';
import { freePorts } from '../free-port.js';
import { NodeSlots } from '../node-slots.js';
import { requireBalancer } from '../balancers/balancer-registry.js';
import { nodeNamesOf, planTopology, proxyCount, proxyListenOn, usesRedisCluster, type HostPort, type NodePlan, type Site, type TopologyPlan } from '../plan/plan-topology.js';
import { createLinkProxies, removeLinkProxies } from '../plan/link-proxies.js';
import { parseProcNetTcp, parseStubStatus, type FpmSockets, type NodeConnectionCounters } from '../connection-counters.js';
import { readFpmSockets } from '../node-counters.js';
import { NGINX_STATUS_PATH } from '../config/nginx-node-config.js';
import { waitForTcp } from '../readiness.js';
import { withRedis } from '../../redis-inspect/redis-connection.js';
import { disableRyuk, docker, ensureDocker } from './docker-cli.js';
import { ensureImages, type ImageKind } from './docker-images.js';
import { createRunNetwork, type RunNetwork } from './docker-network.js';
import { LabContainer } from './lab-container.js';
import { reapStaleDockerRuns, removeRun, removeRunSync, runLabels, trackActive, untrackActive } from './docker-labels.js';
import { startHostToxiproxy, type HostToxiproxy } from './host-toxiproxy.js';
import { CLUSTER_REDIS_PORT, DockerRedisCluster } from './docker-redis-cluster.js';
import { containerFile, containerLog } from './docker-log-sources.js';
import type { LogSource } from '../../evidence/evidence-types.js';
import { plannedLogSources, redisComponentsOf, type LogReaders } from '../planned-log-sources.js';
import { CONTAINER_APP_WRITABLE, dockerApp, writableArchive, type DockerApp } from './docker-app.js';

const HTTP_PORT = 80;
const REDIS_PORT = 6379;
/** PHP-FPM inside each node container (127.0.0.1 only). */
const FPM_PORT = 9000;
/** A node's nginx status page from inside it (bash /dev/tcp: no curl in the image). */
const STATUS_SCRIPT = `exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT} && printf 'GET ${NGINX_STATUS_PATH} HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && cat <&3`;
const STARTUP_TIMEOUT_MS = 30_000;
/** Every container's TZ: the zone of its servers' local-time log stamps. */
const CONTAINER_TZ = 'UTC';
/** Fixed host numbers in the run's /24 (nodes .11-.26; Redis Cluster nodes from .101, at most 96). */
const ADDR = { redis: 2, balancer: 3, firstNode: 11, firstClusterNode: 101 } as const;


function parseVersions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

class DockerTopology implements StartedTopology {
  readonly provider = 'docker' as const;
  baseUrl = '';
  redis: HostPort | null = null;
  startMs = 0;
  toxiproxy: { url: string; proxies: ProxyNames } | null = null;
  balancerRetry!: BalancerRetry;
  env!: EnvInfo;
  readonly nodeNames: string[];
  /** Image tag per kind, once built. */
  private images!: Record<ImageKind, string>;
  private network: RunNetwork | null = null;
  private readonly nodes: NodeSlots<StartedTestContainer>;
  private plan!: TopologyPlan;
  /** topology.app in the containers: its mounts and container paths (docker-app.ts). */
  private readonly app: DockerApp | null;
  /**
   * The balancer's port inside its container: 80, or with topology.app the host port it is
   * published on, chosen up front. The plan gives every node the balancer's port as PHP's
   * SERVER_PORT, and apps build absolute URLs from it (DokuWiki's redirect after a login):
   * it must be the port clients use.
   */
  private balancerPort = HTTP_PORT;
  /** Killed node containers, removed on restore/stop (kept until then for `docker logs`). */
  private readonly dead: string[] = [];
  private redisContainer: StartedTestContainer | null = null;
  /** The Redis Cluster (rediscluster strategies) instead of redisContainer. */
  redisCluster: DockerRedisCluster | null = null;
  private redisPaused = false;
  private balancer: StartedTestContainer | null = null;
  private hostToxiproxy: HostToxiproxy | null = null;
  private stopping: Promise<number> | null = null;
  private stopped = false;
  private readonly log: (message: string) => void;

  constructor(readonly spec: TopologySpec) {
    this.nodeNames = nodeNamesOf(spec);
    this.nodes = new NodeSlots(this.nodeNames);
    this.log = spec.log ?? (() => {});
    this.app = spec.app ? dockerApp(spec.app) : null;
  }

  private containerName(role: string): string {
    return `psl-${this.spec.runId}-${role}`;
  }

  private nodeIp(name: string): string {
    return this.network!.ip(ADDR.firstNode + this.nodeNames.indexOf(name));
  }

  async start(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    disableRyuk();
    await ensureDocker();
    await reapStaleDockerRuns(this.log);
    const kinds: ImageKind[] = ['php-node', requireBalancer(this.spec.balancer).imageKind];
    if (this.spec.strategy.needsRedis) kinds.push('redis');
    this.images = await ensureImages(kinds, this.log);
    signal?.throwIfAborted();
    const tReady = performance.now();
    trackActive(this);
    try {
      const envPromise = collectEnvInfo();
      this.network = await createRunNetwork(this.spec.runId);
      const net = this.network;
      if (this.stopping) throw new RunAbortedError('the topology is stopping');
      this.log(`network ${net.name} ${net.subnet}`);
      for (const note of this.app?.notes ?? []) this.log(`topology.app: ${note}`);
      // The plan renders nginx, php.ini and the pool with the paths the nodes see (/psl/app, ...).
      this.plan = planTopology(this.app ? { ...this.spec, app: this.app.inContainer } : this.spec, await this.site(net));
      this.balancerRetry = this.plan.retry;
      signal?.throwIfAborted();

      await Promise.all([
        this.spec.proxies ? this.createProxies(signal) : Promise.resolve(),
        this.clusterIps() ? this.startRedisCluster(signal) : this.spec.strategy.needsRedis ? this.startRedis() : Promise.resolve(),
        ...this.plan.nodes.map(async (node) => this.nodes.set(node.name, await this.startNode(node))),
      ]);
      signal?.throwIfAborted();
      await this.startBalancer();
      this.env = await this.collectEnv(envPromise);
      this.startMs = performance.now() - t0;
      this.log(`docker topology ready in ${(this.startMs / 1000).toFixed(1)} s (${((performance.now() - tReady) / 1000).toFixed(1)} s after images)`);
    } catch (error) {
      await this.stop().catch(() => {});
      // Stopped mid-start: a container or the network may have appeared after stop() looked.
      if (error instanceof RunAbortedError) await removeRun(this.spec.runId).catch(() => {});
      throw error;
    }
  }

  /** Fixed addresses in the run's network; proxies listen on the gateway (the host), on ports chosen up front. */
  private async site(net: RunNetwork): Promise<Site> {
    const proxyPorts = await freePorts(proxyCount(this.spec), net.gateway);
    if (this.app) this.balancerPort = (await freePorts(1, '127.0.0.1'))[0]!;
    return {
      nodeHttp: (name) => ({ host: this.nodeIp(name), port: HTTP_PORT }),
      nodeHttpListen: () => String(HTTP_PORT),
      nodeFpm: () => ({ host: '127.0.0.1', port: FPM_PORT }),
      nodePaths: () => ({
        sessionDir: '/psl/sessions',
        prefixDir: '/psl/run',
        appDir: '/app',
        fpmPidFile: '/psl/run/php-fpm.pid',
        fpmErrorLog: '/proc/self/fd/2',
        phpErrorLog: '/psl/run/php-error.log',
        ...(this.app ? { appWritableDir: CONTAINER_APP_WRITABLE } : {}),
      }),
      redis: this.spec.strategy.needsRedis && !this.clusterIps() ? { host: net.ip(ADDR.redis), port: REDIS_PORT } : null,
      redisCluster: this.clusterIps()?.map((host) => ({ host, port: CLUSTER_REDIS_PORT })) ?? null,
      proxyListen: proxyListenOn(this.spec, net.gateway, proxyPorts),
      balancerListen: `0.0.0.0:${this.balancerPort}`,
      balancerPrefixDir: '/psl/run',
      fpmAsRoot: true,
    };
  }

  private async createProxies(signal?: AbortSignal): Promise<void> {
    let url = this.spec.toxiproxyUrl;
    if (!url) {
      this.hostToxiproxy = await startHostToxiproxy(this.network!.gateway, signal);
      url = this.hostToxiproxy.url;
    }
    // An external Toxiproxy must run on this host: its proxies listen on the gateway address.
    this.toxiproxy = { url, proxies: this.plan.proxies };
    await createLinkProxies(url, this.plan.links);
  }

  private base(kind: ImageKind, role: string, ip: string, aliases: string[]): LabContainer {
    return new LabContainer(this.images[kind])
      .withName(this.containerName(role))
      .withLabels(runLabels(this.spec.runId, role))
      // A known zone for the servers' local-time log stamps (evidence), whatever the host's.
      .withEnvironment({ TZ: CONTAINER_TZ })
      .onNetwork(this.network!, ip, aliases)
      .withStartupTimeout(STARTUP_TIMEOUT_MS);
  }

  /** Starts a container; on failure, names it and quotes its last log lines. */
  private async launch(role: string, container: LabContainer): Promise<StartedTestContainer> {
    if (this.stopping) throw new RunAbortedError(`${role} not started: the topology is stopping`);
    try {
      const started = await container.start();
      if (this.stopping) {
        // stop() ran while this container was starting (Ctrl-C during start): do not leak it.
        await removeRun(this.spec.runId);
        throw new RunAbortedError(`${role} not kept: the topology is stopping`);
      }
      return started;
    } catch (error) {
      if (error instanceof RunAbortedError) throw error;
      const tail = await docker(['logs', '--tail', '15', this.containerName(role)]).catch(() => '');
      throw new ReadinessTimeoutError(`${role} container did not become ready: ${(error as Error).message}${tail ? ` | logs: ${tail.split('\n').join(' | ')}` : ''}`, {
        cause: error,
      });
    }
  }

  private async startRedis(): Promise<void> {
    // A fixed host port: a restarted Redis (redis-restart) is back where the harness's clients look.
    const [hostPort] = await freePorts(1, '127.0.0.1');
    // Arguments after the image's entrypoint override its own (`--save '' --appendonly no`): the last one wins.
    const container = this.base('redis', 'redis', this.network!.ip(ADDR.redis), ['redis'])
      .withCommand(redisServerArgs(this.spec.redisPersistence ?? 'none'))
      .publishOnLoopback(REDIS_PORT, hostPort)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
    this.redisContainer = await this.launch('redis', container);
    this.redis = { host: '127.0.0.1', port: this.redisContainer.getMappedPort(REDIS_PORT) };
  }

  /** The Redis Cluster's node addresses (rediscluster strategies); null without a cluster. */
  private clusterIps(): string[] | null {
    const s = this.spec.redisCluster;
    if (!usesRedisCluster(this.spec)) return null;
    if (!s) throw new HarnessError(`strategy ${this.spec.strategy.name} needs topology.redis.cluster settings`);
    return Array.from({ length: s.masters * (1 + s.replicasPerMaster) }, (_, i) => this.network!.ip(ADDR.firstClusterNode + i));
  }

  private async startRedisCluster(signal?: AbortSignal): Promise<void> {
    this.redisCluster = new DockerRedisCluster({
      settings: this.spec.redisCluster!,
      persistence: this.spec.redisPersistence ?? 'none',
      ips: this.clusterIps()!,
      // Not published: clients are redirected to the announced container IPs anyway.
      startContainer: (name, ip, args) =>
        this.launch(name, this.base('redis', name, ip, [name]).withCommand(args).withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))),
      log: this.log,
      ...(signal ? { signal } : {}),
    });
    await this.redisCluster.start();
  }

  private async startNode(node: NodePlan): Promise<StartedTestContainer> {
    const name = node.name;
    this.log(`starting ${name}`);
    // The entrypoint prints this once GET /health answers through its own nginx and PHP-FPM.
    const container = this.base('php-node', name, this.nodeIp(name), [name])
      .withEnvironment({ NODE_NAME: name })
      .withCopyContentToContainer(node.files.map((f) => ({ content: f.content, target: `/psl/conf/${f.name}` })))
      .withWaitStrategy(Wait.forLogMessage(`psl-node-ready ${name}`));
    if (!this.app || !this.spec.app) return this.launch(name, container);
    // The app's code read-only; fresh writable copies of its own (a restored node has lost its disk).
    const writable = await writableArchive(this.spec.app);
    try {
      return await this.launch(name, container.withBindMounts(this.app.mounts).withCopyArchivesToContainer([{ tar: writable.tar, target: writable.target }]));
    } finally {
      writable.dispose();
    }
  }

  private async startBalancer(): Promise<void> {
    const { kind, file } = this.plan.balancer;
    this.log(`starting balancer (${kind.name})`);
    // Ready = a request through the balancer reaches a PHP node.
    const container = this.base(kind.imageKind, 'balancer', this.network!.ip(ADDR.balancer), ['balancer'])
      .publishOnLoopback(this.balancerPort, this.app ? this.balancerPort : 0)
      .withCopyContentToContainer([{ content: file.content, target: `/psl/conf/${file.name}` }])
      // The read timeout is also the retry interval: keep it short.
      .withWaitStrategy(Wait.forHttp('/health', this.balancerPort).forStatusCode(200).withReadTimeout(250));
    this.balancer = await this.launch('balancer', container);
    this.baseUrl = `http://127.0.0.1:${this.balancer.getMappedPort(this.balancerPort)}`;
  }

  private async collectEnv(hostEnv: Promise<EnvInfo>): Promise<EnvInfo> {
    const read = async (c: StartedTestContainer | null | undefined) =>
      c ? parseVersions((await c.exec(['cat', '/psl/versions'])).output) : {};
    const [host, node, balancer, redis, server] = await Promise.all([
      hostEnv,
      read(this.nodes.running()[0]?.[1]),
      read(this.balancer),
      read(this.redisContainer ?? this.redisCluster?.anyContainer()),
      docker(['version', '--format', '{{.Server.Version}}']).catch(() => 'unknown'),
    ]);
    return {
      ...host,
      php: node.php ?? null,
      nginx: node.nginx ?? balancer.nginx ?? null,
      haproxy: balancer.haproxy ?? null,
      redis: redis.redis ?? null,
      phpredis: node.phpredis ?? null,
      igbinary: node.igbinary ?? null,
      msgpack: node.msgpack ?? null,
      os: `${host.os ?? 'unknown'}; containers: Debian 12 (docker ${server})`,
    };
  }

  async killNode(name: string): Promise<void> {
    const container = this.nodes.take(name);
    // SIGKILL to PID 1 of the container: its PID namespace (FPM master, workers, nginx) dies at once.
    await docker(['kill', '--signal', 'KILL', container.getId()]);
    this.dead.push(container.getId());
  }

  /** Container id -> its PID on the host (for nsenter). */
  private readonly hostPids = new Map<string, number>();

  /**
   * PHP-FPM's sockets of one node: `ss` in the container's network namespace, from the host
   * (nsenter; ss gives socket cookies), else the container's /proc/net/tcp.
   */
  private async fpmSockets(container: StartedTestContainer): Promise<FpmSockets | null> {
    try {
      let pid = this.hostPids.get(container.getId());
      if (pid === undefined) {
        pid = Number(await docker(['inspect', '--format', '{{.State.Pid}}', container.getId()]));
        this.hostPids.set(container.getId(), pid);
      }
      return (await readFpmSockets([FPM_PORT], pid)).get(FPM_PORT) ?? null;
    } catch {
      const { output, exitCode } = await container.exec(['cat', '/proc/net/tcp']);
      return exitCode === 0 ? (parseProcNetTcp(output, [FPM_PORT]).get(FPM_PORT) ?? null) : null;
    }
  }

  async connectionCounters(): Promise<Record<string, NodeConnectionCounters | null>> {
    const out: Record<string, NodeConnectionCounters | null> = {};
    await Promise.all(
      this.nodeNames.map(async (name) => {
        const container = this.nodes.get(name);
        if (!container) return void (out[name] = null);
        const [status, fpm] = await Promise.all([
          container.exec(['bash', '-c', STATUS_SCRIPT]).then((r) => parseStubStatus(r.output), () => null),
          this.fpmSockets(container).catch(() => null),
        ]);
        out[name] = { stubStatus: status, fpm };
      }),
    );
    return out;
  }

  async stopRedis(options: { mode: 'shutdown' | 'crash' }): Promise<void> {
    const container = this.redisContainer;
    if (!container || !this.redis) throw new HarnessError('Redis is not running: nothing to stop');
    if (this.redisPaused) throw new HarnessError('Redis is paused (redis-hang): resume it before restarting it');
    if (options.mode === 'crash') {
      // SIGKILL to redis-server (PID 1): only what its persistence had written survives, in the container's filesystem.
      await docker(['kill', '--signal', 'KILL', container.getId()]);
      return;
    }
    // SHUTDOWN saves (rdb) or fsyncs (aof) as configured; its files stay in the container's working directory (/).
    await withRedis(this.redis, (client) => client.call('SHUTDOWN')).catch(() => {});
    await docker(['stop', '--time', '5', container.getId()]);
  }

  async pauseRedis(): Promise<void> {
    const container = this.redisContainer;
    if (!container) throw new HarnessError('this topology has no Redis');
    if (this.redisPaused) throw new HarnessError('Redis is already paused');
    await docker(['pause', container.getId()]);
    this.redisPaused = true;
  }

  async resumeRedis(): Promise<void> {
    const container = this.redisContainer;
    if (!container || !this.redisPaused) throw new HarnessError('Redis is not paused: nothing to resume');
    await docker(['unpause', container.getId()]);
    this.redisPaused = false;
  }

  async pauseNode(name: string): Promise<void> {
    // The freezer cgroup stops every process of the container: connections queue, nothing answers.
    await docker(['pause', this.nodes.pause(name).getId()]);
  }

  async resumeNode(name: string): Promise<void> {
    await docker(['unpause', this.nodes.resume(name).getId()]);
  }

  async restoreRedis(): Promise<void> {
    const container = this.redisContainer;
    if (!container) throw new HarnessError('this topology has no Redis');
    await docker(['start', container.getId()]);
    // Its host port is fixed (startRedis): the address does not change.
    const mapped = /127\.0\.0\.1:(\d+)/.exec(await docker(['port', container.getId(), `${REDIS_PORT}/tcp`]));
    if (!mapped) throw new HarnessError(`Redis restarted but its port ${REDIS_PORT} is not published on 127.0.0.1`);
    this.redis = { host: '127.0.0.1', port: Number(mapped[1]) };
    await waitForTcp('redis-server (restarted)', this.redis.host, this.redis.port, {});
  }

  async restoreNode(name: string): Promise<void> {
    this.nodes.assertDown(name);
    // The old container (same name, same address) must go first; a fresh one has no sessions on disk.
    await docker(['rm', '-f', '-v', this.containerName(name)]).catch(() => '');
    this.nodes.set(name, await this.startNode(this.plan.nodes.find((n) => n.name === name)!));
  }

  logSources(): LogSource[] {
    const readers: LogReaders = {
      file: (component, format, path) => containerFile(component, format, this.containerName(component), path),
      output: (component, format) => containerLog(component, format, this.containerName(component)),
    };
    const redis = redisComponentsOf({ redis: this.redisContainer ? this.redis : null, redisCluster: this.redisCluster });
    // Every container runs with TZ=UTC (base()): its servers' local time is UTC.
    return plannedLogSources(this.plan.logs, readers, redis).map((source) => ({ ...source, zone: CONTAINER_TZ }));
  }

  stop(): Promise<number> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<number> {
    const t0 = performance.now();
    try {
      if (this.toxiproxy && this.spec.toxiproxyUrl) await removeLinkProxies(this.spec.toxiproxyUrl, this.toxiproxy.proxies);
      // Everything labelled with the run goes: containers (force = SIGKILL), then the network.
      await Promise.all([removeRun(this.spec.runId), this.hostToxiproxy?.stop()]);
      this.stopped = true;
    } finally {
      untrackActive(this);
    }
    return performance.now() - t0;
  }

  stopSync(): void {
    if (this.stopped) return;
    this.hostToxiproxy?.child.kill('SIGKILL');
    removeRunSync(this.spec.runId);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export const dockerProvider: Provider = {
  name: 'docker',
  async checkDependencies(spec) {
    // The app's paths and what its nodes would mount (exit 104), before anything starts.
    if (spec.app !== undefined) dockerApp(spec.app);
    // Starts dockerd when none answers and we are root; MissingDependencyError otherwise.
    await ensureDocker();
  },
  async start(spec, signal) {
    const topology = new DockerTopology(spec);
    await topology.start(signal);
    return topology;
  },
};

export { reapStaleDockerRuns } from './docker-labels.js';
