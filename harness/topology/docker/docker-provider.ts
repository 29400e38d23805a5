/**
 * The docker provider: the same topology as `local`, in containers started with testcontainers
 * on a private network of the run. Images come from docker/ (cached by content hash). Only the
 * balancer and Redis are published, on 127.0.0.1. Every container sits on a fixed address, so a
 * restored node comes back where the balancer and the proxies expect it. Configs are rendered
 * by the same generators as the local provider (harness/topology/config/).
 */
import { performance } from 'node:perf_hooks';
import { Toxiproxy } from 'toxiproxy-node-client';
import { Wait, type StartedTestContainer } from 'testcontainers';
import type { Provider, ProxyNames, StartedTopology, TopologySpec } from '../topology-types.js';
import type { BalancerRetry, EnvInfo } from '../../results/result-schema.js';
import { collectEnvInfo } from '../../results/env-info.js';
import { HarnessError, InvalidInputError, ReadinessTimeoutError, RunAbortedError } from '../../errors.js';
import { freePorts } from '../free-port.js';
import { basePhpIni, renderPhpFpmConfig, renderPhpIni } from '../config/php-fpm-config.js';
import { renderNginxNodeConfig } from '../config/nginx-node-config.js';
import { nginxBalancerRetry, renderNginxBalancerConfig } from '../config/nginx-balancer-config.js';
import { haproxyBalancerRetry, renderHaproxyConfig } from '../config/haproxy-config.js';
import { defaultConnectionReuse, type ConnectionReuse } from '../connection-reuse.js';
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

const HTTP_PORT = 80;
const REDIS_PORT = 6379;
/** PHP-FPM inside each node container (127.0.0.1 only). */
const FPM_PORT = 9000;
/** A node's nginx status page from inside it (bash /dev/tcp: no curl in the image). */
const STATUS_SCRIPT = `exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT} && printf 'GET ${NGINX_STATUS_PATH} HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 && cat <&3`;
const STARTUP_TIMEOUT_MS = 30_000;
/** Fixed host numbers in the run's /24. */
const ADDR = { redis: 2, balancer: 3, firstNode: 11 } as const;

type HostPort = { host: string; port: number };
interface ProxyLink {
  kind: 'balancer' | 'redis';
  node: string;
  listen: string;
  upstream: string;
}

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
  toxiproxy: { url: string; proxies: ProxyNames } | null = null;
  readonly balancerRetry: BalancerRetry;
  env!: EnvInfo;
  startMs = 0;
  readonly nodeNames: string[];
  /** Image tag per kind, once built. */
  private images!: Record<ImageKind, string>;
  private network: RunNetwork | null = null;
  private readonly nodes = new Map<string, StartedTestContainer | null>();
  /** Killed node containers, removed on restore/stop (kept until then for `docker logs`). */
  private readonly dead: string[] = [];
  private redisContainer: StartedTestContainer | null = null;
  private balancer: StartedTestContainer | null = null;
  private hostToxiproxy: HostToxiproxy | null = null;
  /** node name -> the Redis address that node uses (a proxy when proxies are on). */
  private readonly nodeRedis = new Map<string, HostPort | null>();
  private stopping: Promise<number> | null = null;
  private stopped = false;
  private readonly log: (message: string) => void;
  private readonly reuse: ConnectionReuse;

  constructor(readonly spec: TopologySpec) {
    this.nodeNames = Array.from({ length: spec.nodes }, (_, i) => `node-${i + 1}`);
    this.balancerRetry = spec.balancer === 'nginx' ? nginxBalancerRetry() : haproxyBalancerRetry();
    this.log = spec.log ?? (() => {});
    this.reuse = spec.connectionReuse ?? defaultConnectionReuse(spec.balancer);
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
    const kinds: ImageKind[] = ['php-node', this.spec.balancer === 'nginx' ? 'balancer-nginx' : 'balancer-haproxy'];
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
      const redisDirect = this.spec.strategy.needsRedis ? { host: net.ip(ADDR.redis), port: REDIS_PORT } : null;

      // Links: balancer -> node and node -> Redis, through Toxiproxy when proxies are on.
      // Proxy ports are chosen up front, so the proxy server starts alongside the containers.
      const upstreams: Record<string, string> = {};
      const links: ProxyLink[] = [];
      if (this.spec.proxies) {
        const ports = await freePorts(this.nodeNames.length * (redisDirect ? 2 : 1), net.gateway);
        for (const name of this.nodeNames) {
          const port = ports.shift()!;
          upstreams[name] = `${net.gateway}:${port}`;
          links.push({ kind: 'balancer', node: name, listen: upstreams[name]!, upstream: `${this.nodeIp(name)}:${HTTP_PORT}` });
          if (redisDirect) {
            const redisPort = ports.shift()!;
            this.nodeRedis.set(name, { host: net.gateway, port: redisPort });
            links.push({ kind: 'redis', node: name, listen: `${net.gateway}:${redisPort}`, upstream: `${redisDirect.host}:${redisDirect.port}` });
          } else {
            this.nodeRedis.set(name, null);
          }
        }
      } else {
        for (const name of this.nodeNames) {
          upstreams[name] = `${this.nodeIp(name)}:${HTTP_PORT}`;
          this.nodeRedis.set(name, redisDirect);
        }
      }
      signal?.throwIfAborted();

      await Promise.all([
        links.length > 0 ? this.createProxies(links, signal) : Promise.resolve(),
        redisDirect ? this.startRedis() : Promise.resolve(),
        ...this.nodeNames.map(async (name) => this.nodes.set(name, await this.startNode(name))),
      ]);
      signal?.throwIfAborted();
      await this.startBalancer(upstreams);
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

  private async createProxies(links: ProxyLink[], signal?: AbortSignal): Promise<void> {
    let url = this.spec.toxiproxyUrl;
    if (!url) {
      this.hostToxiproxy = await startHostToxiproxy(this.network!.gateway, signal);
      url = this.hostToxiproxy.url;
    }
    // An external Toxiproxy must run on this host: its proxies listen on the gateway address.
    const client = new Toxiproxy(url);
    const proxies: ProxyNames = { balancerToNode: {}, nodeToRedis: {} };
    this.toxiproxy = { url, proxies };
    await Promise.all(
      links.map(async (link) => {
        const name = link.kind === 'balancer' ? `${this.spec.runId}-balancer-${link.node}` : `${this.spec.runId}-${link.node}-redis`;
        await client.createProxy({ name, listen: link.listen, upstream: link.upstream });
        (link.kind === 'balancer' ? proxies.balancerToNode : proxies.nodeToRedis)[link.node] = name;
      }),
    );
  }

  private base(kind: ImageKind, role: string, ip: string, aliases: string[]): LabContainer {
    return new LabContainer(this.images[kind])
      .withName(this.containerName(role))
      .withLabels(runLabels(this.spec.runId, role))
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
    const container = this.base('redis', 'redis', this.network!.ip(ADDR.redis), ['redis'])
      .publishOnLoopback(REDIS_PORT, hostPort)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
    this.redisContainer = await this.launch('redis', container);
    this.redis = { host: '127.0.0.1', port: this.redisContainer.getMappedPort(REDIS_PORT) };
  }

  private nodeConfigs(name: string): Array<{ content: string; target: string }> {
    const sessionIni = this.spec.strategy.sessionIni({
      sessionDir: '/psl/sessions',
      redis: this.nodeRedis.get(name) ?? null,
      persistentRedis: this.reuse.redis,
    });
    return [
      {
        target: '/psl/conf/php.ini',
        content: renderPhpIni({ ...basePhpIni, 'session.serialize_handler': this.spec.serializer, ...this.spec.phpIni }),
      },
      {
        target: '/psl/conf/php-fpm.conf',
        content: renderPhpFpmConfig({
          nodeName: name,
          listen: `127.0.0.1:${FPM_PORT}`,
          children: this.spec.phpChildren,
          pidFile: '/psl/run/php-fpm.pid',
          errorLog: '/proc/self/fd/2',
          runAsRoot: true,
          adminValues: { ...sessionIni, error_log: '/psl/run/php-error.log' },
        }),
      },
      {
        target: '/psl/conf/nginx.conf',
        content: renderNginxNodeConfig({
          listen: String(HTTP_PORT),
          fpm: `127.0.0.1:${FPM_PORT}`,
          appDir: '/app',
          prefixDir: '/psl/run',
          ...(this.reuse.fastcgi ? { fastcgiReuse: { fpmChildren: this.spec.phpChildren } } : {}),
        }),
      },
    ];
  }

  private async startNode(name: string): Promise<StartedTestContainer> {
    this.log(`starting ${name}`);
    // The entrypoint prints this once GET /health answers through its own nginx and PHP-FPM.
    const container = this.base('php-node', name, this.nodeIp(name), [name])
      .withEnvironment({ NODE_NAME: name })
      .withCopyContentToContainer(this.nodeConfigs(name))
      .withWaitStrategy(Wait.forLogMessage(`psl-node-ready ${name}`));
    return this.launch(name, container);
  }

  private async startBalancer(upstreams: Record<string, string>): Promise<void> {
    const sticky = this.spec.strategy.routing === 'sticky';
    const kind = this.spec.balancer === 'nginx' ? 'balancer-nginx' : 'balancer-haproxy';
    const config =
      this.spec.balancer === 'nginx'
        ? { target: '/psl/conf/nginx.conf', content: renderNginxBalancerConfig({ listen: String(HTTP_PORT), upstreams, sticky, prefixDir: '/psl/run', reuse: this.reuse.balancer }) }
        : { target: '/psl/conf/haproxy.cfg', content: renderHaproxyConfig({ listen: `:${HTTP_PORT}`, upstreams, sticky, reuse: this.reuse.balancer }) };
    this.log(`starting balancer (${this.spec.balancer})`);
    // Ready = a request through the balancer reaches a PHP node.
    const container = this.base(kind, 'balancer', this.network!.ip(ADDR.balancer), ['balancer'])
      .publishOnLoopback(HTTP_PORT)
      .withCopyContentToContainer([config])
      // The read timeout is also the retry interval: keep it short.
      .withWaitStrategy(Wait.forHttp('/health', HTTP_PORT).forStatusCode(200).withReadTimeout(250));
    this.balancer = await this.launch('balancer', container);
    this.baseUrl = `http://127.0.0.1:${this.balancer.getMappedPort(HTTP_PORT)}`;
  }

  private async collectEnv(hostEnv: Promise<EnvInfo>): Promise<EnvInfo> {
    const read = async (c: StartedTestContainer | null | undefined) =>
      c ? parseVersions((await c.exec(['cat', '/psl/versions'])).output) : {};
    const [host, node, balancer, redis, server] = await Promise.all([
      hostEnv,
      read(this.nodes.get(this.nodeNames[0]!)),
      read(this.balancer),
      read(this.redisContainer),
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

  private checkNode(name: string): void {
    if (!this.nodes.has(name)) throw new InvalidInputError(`unknown node "${name}": this topology has ${this.nodeNames.join(', ')}`);
  }

  async killNode(name: string): Promise<void> {
    this.checkNode(name);
    const container = this.nodes.get(name);
    // A kill that finds nothing to kill did not happen: say so, the run records it as failed.
    if (!container) throw new HarnessError(`${name} is not running (already killed): nothing to kill`);
    this.nodes.set(name, null);
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

  async stopRedis(options: { keepData: boolean }): Promise<void> {
    const container = this.redisContainer;
    if (!container || !this.redis) throw new HarnessError('Redis is not running: nothing to stop');
    // Its dump goes to its working directory (/); a restart without kept data starts empty.
    if (!options.keepData) await container.exec(['rm', '-f', '/dump.rdb']);
    await withRedis(this.redis, (client) => client.call('SHUTDOWN', options.keepData ? 'SAVE' : 'NOSAVE')).catch(() => {});
    await docker(['stop', '--time', '5', container.getId()]);
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
    this.checkNode(name);
    if (this.nodes.get(name)) throw new HarnessError(`${name} is running; kill it before restoring it`);
    // The old container (same name, same address) must go first; a fresh one has no sessions on disk.
    await docker(['rm', '-f', '-v', this.containerName(name)]).catch(() => '');
    this.nodes.set(name, await this.startNode(name));
  }

  stop(): Promise<number> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<number> {
    const t0 = performance.now();
    try {
      if (this.toxiproxy && this.spec.toxiproxyUrl) {
        // External Toxiproxy: remove the proxies we created there.
        const client = new Toxiproxy(this.spec.toxiproxyUrl);
        const names = [...Object.values(this.toxiproxy.proxies.balancerToNode), ...Object.values(this.toxiproxy.proxies.nodeToRedis)];
        await Promise.allSettled(names.map(async (n) => (await client.get(n)).remove()));
      }
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
  async checkDependencies() {
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
