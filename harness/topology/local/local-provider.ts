/**
 * The local provider: every server is a process from the system's packages, bound to
 * 127.0.0.1 on free ports, configured from the plan's files (plan/plan-topology.ts) written
 * into the run directory.
 */
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { copyAppWritable } from '../../app/app-writable.js';
import { checkAppPaths } from '../../app/app-spec.js';
import { readFile } from 'node:fs/promises';
import type { LogSource } from '../../evidence/evidence-types.js';
import { plannedLogSources, redisComponentsOf, type LogReaders } from '../planned-log-sources.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Provider, ProxyNames, StartedTopology, TopologySpec } from '../topology-types.js';
import { redisServerArgs } from '../config/redis-config.js';
import type { EnvInfo } from '../../results/result-schema.js';
import type { BalancerRetry } from '../balancers/balancer-kind.js';
import { collectEnvInfo } from '../../results/env-info.js';
import { HarnessError } from '../../errors.js';
import { freePorts } from '../free-port.js';
import { waitForHttp, waitForTcp } from '../readiness.js';
import type { NodeConnectionCounters } from '../connection-counters.js';
import { readFpmSockets, readStubStatus } from '../node-counters.js';
import { withRedis } from '../../redis-inspect/redis-connection.js';
import { phpAppDir, projectRoot } from '../../util/project-root.js';
import { NodeSlots } from '../node-slots.js';
import { LocalRedisCluster, clusterNodeCount } from './local-redis-cluster.js';
import { nodeNamesOf, planTopology, usesRedisCluster, proxyCount, proxyListenOn, type NodePlan, type Site, type TopologyPlan } from '../plan/plan-topology.js';
import { createLinkProxies, removeLinkProxies } from '../plan/link-proxies.js';
import { requireBalancer } from '../balancers/balancer-registry.js';
import { createRunDirectory, reapStaleRuns, removeRunDirectory, type RunDirectory } from './run-directory.js';
import { logTail, startRedisProcess } from './redis-process.js';
import { killProcess, pauseProcess, resumeProcess, spawnServer, stopProcess, type ManagedProcess } from './process-supervisor.js';
import { requireBinary } from './system-binaries.js';
import { PersistentShell } from './persistent-shell.js';

const HOST = '127.0.0.1';
/** Directories nginx wants for its temporary files. */
const NGINX_TEMP_DIRS = ['tmp/client_body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi'];

interface NodePorts {
  fpm: number;
  http: number;
}

interface NodeProcesses {
  fpm: ManagedProcess;
  nginx: ManagedProcess;
}

class LocalTopology implements StartedTopology {
  readonly provider = 'local' as const;
  baseUrl = '';
  redis: { host: string; port: number } | null = null;
  redisCluster: LocalRedisCluster | null = null;
  toxiproxy: { url: string; proxies: ProxyNames } | null = null;
  balancerRetry!: BalancerRetry;
  env!: EnvInfo;
  startMs = 0;
  readonly nodeNames: string[];
  private readonly nodes: NodeSlots<NodeProcesses>;
  private readonly ports = new Map<string, NodePorts>();
  private plan!: TopologyPlan;
  private readonly others: ManagedProcess[] = [];
  private stopped = false;
  private run!: RunDirectory;
  private bin!: Record<string, string>;
  private readonly log: (message: string) => void;
  private redisProc: ManagedProcess | null = null;
  private redisStopped = false;
  private redisPaused = false;
  /** Runs `ss` for the connection counters without forking the harness per reading. */
  private readonly shell = new PersistentShell();

  constructor(readonly spec: TopologySpec) {
    this.nodeNames = nodeNamesOf(spec);
    this.nodes = new NodeSlots(this.nodeNames);
    this.log = spec.log ?? (() => {});
  }

  private nodeDir(name: string): string {
    return join(this.run.path, name);
  }

  /** Free ports for every listener and proxy, and the paths in the run directory. */
  private async site(): Promise<{ site: Site; balancerPort: number; redisPort: number; toxiproxyPort: number; clusterPorts: number[] }> {
    const cluster = this.spec.redisCluster && usesRedisCluster(this.spec) ? this.spec.redisCluster : null;
    const clusterCount = cluster ? 2 * clusterNodeCount(cluster) : 0;
    const ports = await freePorts(3 + 2 * this.nodeNames.length + proxyCount(this.spec) + clusterCount);
    const [balancerPort, redisPort, toxiproxyPort] = ports.splice(0, 3) as [number, number, number];
    const clusterPorts = ports.splice(0, clusterCount);
    for (const name of this.nodeNames) this.ports.set(name, { fpm: ports.shift()!, http: ports.shift()! });
    const port = (name: string) => this.ports.get(name)!;
    const site: Site = {
      nodeHttp: (name) => ({ host: HOST, port: port(name).http }),
      nodeHttpListen: (name) => `${HOST}:${port(name).http}`,
      nodeFpm: (name) => ({ host: HOST, port: port(name).fpm }),
      nodePaths: (name) => {
        const dir = this.nodeDir(name);
        return {
          sessionDir: join(dir, 'sessions'),
          prefixDir: dir,
          appDir: phpAppDir,
          fpmPidFile: join(dir, 'php-fpm.pid'),
          fpmErrorLog: join(dir, 'php-fpm.log'),
          phpErrorLog: join(dir, 'php-error.log'),
          ...(this.spec.app ? { appWritableDir: join(dir, 'app-writable') } : {}),
        };
      },
      redis: this.spec.strategy.needsRedis && !cluster ? { host: HOST, port: redisPort } : null,
      // Client ports are the even entries (client, bus, client, bus, ...).
      redisCluster: cluster ? clusterPorts.filter((_, i) => i % 2 === 0).map((port) => ({ host: HOST, port })) : null,
      proxyListen: proxyListenOn(this.spec, HOST, ports),
      balancerListen: `${HOST}:${balancerPort}`,
      balancerPrefixDir: join(this.run.path, 'balancer'),
      fpmAsRoot: process.getuid?.() === 0,
    };
    return { site, balancerPort, redisPort, toxiproxyPort, clusterPorts };
  }

  async start(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    reapStaleRuns(this.log);
    this.run = createRunDirectory(this.spec.runId);
    const envPromise = collectEnvInfo();
    try {
      const { site, balancerPort, redisPort, toxiproxyPort, clusterPorts } = await this.site();
      this.plan = planTopology(this.spec, site);
      this.balancerRetry = this.plan.retry;
      const found = await Promise.all(this.plan.binaries.map(async (n) => [n, await requireBinary(n)] as const));
      this.bin = Object.fromEntries(found);

      if (site.redis) await this.startRedis(redisPort, signal);
      this.redis = site.redis;
      if (this.spec.proxies) {
        const url = this.spec.toxiproxyUrl ?? (await this.startEmbeddedToxiproxy(toxiproxyPort, signal));
        this.toxiproxy = { url, proxies: this.plan.proxies };
        await createLinkProxies(url, this.plan.links);
      }
      // After the proxies: a proxied cluster is created through them (the ports its nodes announce).
      if (site.redisCluster) await this.startRedisCluster(clusterPorts, signal);
      await Promise.all(this.plan.nodes.map((node) => this.startNode(node, signal)));
      this.baseUrl = `http://${HOST}:${balancerPort}`;
      await this.startBalancer(signal);
      this.env = await envPromise;
      this.startMs = performance.now() - t0;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async startRedis(port: number, signal?: AbortSignal): Promise<void> {
    const dir = join(this.run.path, 'redis');
    mkdirSync(dir, { recursive: true });
    const proc = await startRedisProcess({
      name: 'redis',
      command: this.bin.redisServer!,
      args: [...redisServerArgs(this.spec.redisPersistence ?? 'none'), '--dir', dir],
      host: HOST,
      port,
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(dir, 'redis.log'),
      signal,
    });
    this.others.push(proc);
    this.redisProc = proc;
  }

  private async startRedisCluster(ports: number[], signal?: AbortSignal): Promise<void> {
    const settings = this.spec.redisCluster;
    if (!settings) throw new HarnessError(`strategy ${this.spec.strategy.name} needs topology.redis.cluster settings`);
    this.redisCluster = new LocalRedisCluster({
      settings,
      persistence: this.spec.redisPersistence ?? 'none',
      host: HOST,
      ports,
      dir: this.run.path,
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      redisServer: this.bin.redisServer!,
      redisCli: this.bin.redisCli!,
      log: this.log,
      partitionable: settings.partitionable === true,
      ...(this.plan.redisClusterAnnounced ? { announcedPorts: this.plan.redisClusterAnnounced } : {}),
      ...(signal ? { signal } : {}),
    });
    await this.redisCluster.start();
  }

  async stopRedis(options: { mode: 'shutdown' | 'crash' }): Promise<void> {
    const proc = this.redisProc;
    if (!this.redis || !proc || proc.hasExited()) throw new HarnessError('Redis is not running: nothing to stop');
    if (this.redisPaused) throw new HarnessError('Redis is paused (redis-hang): resume it before restarting it');
    if (options.mode === 'crash') {
      // SIGKILL: only what its persistence had already written to disk survives.
      await killProcess(proc, this.run.pidsDir);
    } else {
      // SHUTDOWN saves (rdb) or fsyncs (aof) as configured, closes every client connection and
      // answers nothing: its "error" is the close.
      await withRedis(this.redis, (client) => client.call('SHUTDOWN')).catch(() => {});
      const exited = await Promise.race([proc.exited.then(() => true), sleep(5000).then(() => false)]);
      if (!exited) await stopProcess(proc, this.run.pidsDir);
      else rmSync(join(this.run.pidsDir, `${proc.name}.pid`), { force: true });
    }
    this.others.splice(this.others.indexOf(proc), 1);
    this.redisProc = null;
    this.redisStopped = true;
  }

  async restoreRedis(): Promise<void> {
    if (!this.redis || !this.redisStopped) throw new HarnessError('Redis is running; stop it before restoring it');
    // Same data directory, same persistence: it loads whatever its persistence kept.
    await this.startRedis(this.redis.port);
    this.redisStopped = false;
  }

  async connectionCounters(): Promise<Record<string, NodeConnectionCounters | null>> {
    // A paused node (node-hang) answers nothing: it counts as down, as a dead one does.
    const running = new Map(this.nodes.running().filter(([name]) => !this.nodes.isPaused(name)));
    const fpmPorts = [...running.keys()].map((name) => this.ports.get(name)!.fpm);
    const sockets = await readFpmSockets(fpmPorts, undefined, (command, args) => this.shell.run([command, ...args])).catch(() => new Map());
    const out: Record<string, NodeConnectionCounters | null> = {};
    await Promise.all(
      this.nodeNames.map(async (name) => {
        const ports = this.ports.get(name)!;
        out[name] = running.has(name) ? { stubStatus: await readStubStatus(HOST, ports.http), fpm: sockets.get(ports.fpm) ?? null } : null;
      }),
    );
    return out;
  }

  private async startEmbeddedToxiproxy(port: number, signal?: AbortSignal): Promise<string> {
    const proc = spawnServer({
      name: 'toxiproxy',
      command: process.execPath,
      args: ['--import', 'tsx', join(projectRoot, 'harness', 'cli', 'toxiproxy.ts'), '--host', HOST, '--port', String(port), '--quiet'],
      cwd: projectRoot,
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(this.run.path, 'toxiproxy.log'),
    });
    this.others.push(proc);
    const url = `http://${HOST}:${port}`;
    await waitForHttp('toxiproxy server', `${url}/version`, { signal, isDead: () => (proc.hasExited() ? logTail(proc.logFile) : null) });
    return url;
  }

  /** Writes the node's files from its plan; a fresh session directory (a restored node has lost its disk). */
  private writeNodeFiles(node: NodePlan): string {
    const dir = this.nodeDir(node.name);
    rmSync(join(dir, 'sessions'), { recursive: true, force: true });
    for (const sub of ['sessions', ...NGINX_TEMP_DIRS]) mkdirSync(join(dir, sub), { recursive: true });
    for (const file of node.files) writeFileSync(join(dir, file.name), file.content);
    if (this.spec.app) copyAppWritable(this.spec.app, join(dir, 'app-writable'));
    return dir;
  }

  private async startNode(node: NodePlan, signal?: AbortSignal): Promise<void> {
    const dir = this.writeNodeFiles(node);
    const asRoot = process.getuid?.() === 0;
    const fpm = spawnServer({
      name: `${node.name}-php-fpm`,
      command: this.bin.phpFpm!,
      args: [...(asRoot ? ['-R'] : []), '-F', '-O', '-c', join(dir, 'php.ini'), '-y', join(dir, 'php-fpm.conf')],
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(dir, 'php-fpm.stderr.log'),
    });
    const nginx = spawnServer({
      name: `${node.name}-nginx`,
      command: this.bin.nginx!,
      args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(dir, 'nginx.stderr.log'),
    });
    this.nodes.set(node.name, { fpm, nginx });
    const isDead = () =>
      fpm.hasExited() ? `php-fpm: ${logTail(fpm.logFile)} ${logTail(join(dir, 'php-fpm.log'))}` : nginx.hasExited() ? `nginx: ${logTail(nginx.logFile)} ${logTail(join(dir, 'error.log'))}` : null;
    await waitForHttp(`${node.name} (php-fpm + nginx)`, `http://${HOST}:${this.ports.get(node.name)!.http}/health`, {
      signal,
      isDead,
      expect: (body) => body.includes(`"node":"${node.name}"`),
    });
  }

  private async startBalancer(signal?: AbortSignal): Promise<void> {
    const { kind, file } = this.plan.balancer;
    const dir = join(this.run.path, 'balancer');
    for (const sub of NGINX_TEMP_DIRS) mkdirSync(join(dir, sub), { recursive: true });
    const conf = join(dir, file.name);
    writeFileSync(conf, file.content);
    const proc = spawnServer({
      name: `balancer-${kind.name}`,
      command: this.bin[kind.binary]!,
      args: kind.localArgs({ conf, dir }),
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(dir, `${kind.name}.log`),
    });
    this.others.push(proc);
    // Ready = a request through the balancer reaches a PHP node.
    await waitForHttp(`balancer (${kind.name})`, `${this.baseUrl}/health`, {
      signal,
      isDead: () => (proc.hasExited() ? logTail(proc.logFile) : null),
      expect: (body) => body.includes('"ok":true'),
    });
  }

  async killNode(name: string): Promise<void> {
    // Dead from the moment the signal is sent: a second kill while this one waits finds nothing.
    const { fpm, nginx } = this.nodes.take(name);
    await Promise.all([killProcess(fpm, this.run.pidsDir), killProcess(nginx, this.run.pidsDir)]);
  }

  async pauseNode(name: string): Promise<void> {
    const { fpm, nginx } = this.nodes.pause(name);
    pauseProcess(fpm);
    pauseProcess(nginx);
  }

  async resumeNode(name: string): Promise<void> {
    const { fpm, nginx } = this.nodes.resume(name);
    resumeProcess(fpm);
    resumeProcess(nginx);
  }

  async pauseRedis(): Promise<void> {
    if (!this.redisProc || this.redisProc.hasExited()) throw new HarnessError('Redis is not running: nothing to pause');
    if (this.redisPaused) throw new HarnessError('Redis is already paused');
    pauseProcess(this.redisProc);
    this.redisPaused = true;
  }

  async resumeRedis(): Promise<void> {
    if (!this.redisProc || !this.redisPaused) throw new HarnessError('Redis is not paused: nothing to resume');
    resumeProcess(this.redisProc);
    this.redisPaused = false;
  }

  async restoreNode(name: string): Promise<void> {
    this.nodes.assertDown(name);
    // Same plan, same addresses: the balancer and the link's proxy find it where it was.
    await this.startNode(this.plan.nodes.find((n) => n.name === name)!);
  }

  logSources(): LogSource[] {
    // A log file is created by its first line (PHP's error log): none yet means nothing was logged.
    const readers: LogReaders = {
      file: (component, format, path) => ({
        component,
        format,
        origin: path,
        read: () => readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error))),
      }),
      // What a server writes to stdout and stderr goes to its supervisor's log file.
      output: (component, format) => readers.file(component, format, this.outputLogOf(component)),
    };
    return plannedLogSources(this.plan.logs, readers, redisComponentsOf(this));
  }

  /** The file a component's server writes its stdout and stderr to (spawnServer's logFile). */
  private outputLogOf(component: string): string {
    if (component === 'balancer') return join(this.run.path, 'balancer', `${this.plan.balancer.kind.name}.log`);
    if (component === 'redis' || component.startsWith('redis-')) return join(this.run.path, component, 'redis.log');
    return join(this.nodeDir(component), 'php-fpm.stderr.log');
  }

  async phpErrorLog(): Promise<string> {
    const { readFile } = await import('node:fs/promises');
    const parts = await Promise.all(
      this.nodeNames.flatMap((name) => ['php-error.log', 'php-fpm.log'].map((f) => readFile(join(this.nodeDir(name), f), 'utf8').catch(() => ''))),
    );
    return parts.join('\n');
  }

  async stop(): Promise<number> {
    if (this.stopped) return 0;
    this.stopped = true;
    const t0 = performance.now();
    const pids = this.run?.pidsDir;
    // Balancer first (no new traffic), then nodes, then Redis and the proxy server.
    const balancer = this.others.filter((p) => p.name.startsWith('balancer'));
    await Promise.all(balancer.map((p) => stopProcess(p, pids)));
    await Promise.all(this.nodes.running().flatMap(([, n]) => [stopProcess(n.fpm, pids, 500), stopProcess(n.nginx, pids, 500)]));
    if (this.toxiproxy && this.spec.toxiproxyUrl) await removeLinkProxies(this.spec.toxiproxyUrl, this.toxiproxy.proxies);
    await Promise.all(this.others.filter((p) => !balancer.includes(p)).map((p) => stopProcess(p, pids)));
    await this.redisCluster?.stop();
    await this.shell.close();
    if (this.run) removeRunDirectory(this.run);
    return performance.now() - t0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export const localProvider: Provider = {
  name: 'local',
  async checkDependencies(spec) {
    if (spec.app) checkAppPaths(spec.app);
    await requireBinary('phpFpm');
    await requireBinary('nginx');
    await requireBinary(requireBalancer(spec.balancer).binary);
    if (spec.strategy.needsRedis) await requireBinary('redisServer');
    if (usesRedisCluster(spec)) await requireBinary('redisCli');
  },
  async start(spec, signal) {
    const topology = new LocalTopology(spec);
    await topology.start(signal);
    return topology;
  },
};
