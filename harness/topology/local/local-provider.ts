/**
 * The local provider: every server is a process from the system's packages, bound to
 * 127.0.0.1 on free ports, configured from files in the run directory.
 */
import { mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Toxiproxy } from 'toxiproxy-node-client';
import type { Provider, ProxyNames, StartedTopology, TopologySpec } from '../topology-types.js';
import type { BalancerRetry, EnvInfo } from '../../results/result-schema.js';
import { collectEnvInfo } from '../../results/env-info.js';
import { HarnessError, InvalidInputError } from '../../errors.js';
import { freePorts } from '../free-port.js';
import { waitForHttp, waitForTcp } from '../readiness.js';
import { basePhpIni, renderPhpFpmConfig, renderPhpIni } from '../config/php-fpm-config.js';
import { renderNginxNodeConfig } from '../config/nginx-node-config.js';
import { nginxBalancerRetry, renderNginxBalancerConfig } from '../config/nginx-balancer-config.js';
import { haproxyBalancerRetry, renderHaproxyConfig } from '../config/haproxy-config.js';
import { defaultConnectionReuse, type ConnectionReuse } from '../connection-reuse.js';
import type { NodeConnectionCounters } from '../connection-counters.js';
import { readFpmSockets, readStubStatus } from '../node-counters.js';
import { withRedis } from '../../redis-inspect/redis-connection.js';
import { phpAppDir, projectRoot } from '../../util/project-root.js';
import { createRunDirectory, reapStaleRuns, removeRunDirectory, type RunDirectory } from './run-directory.js';
import { killProcess, spawnServer, stopProcess, type ManagedProcess } from './process-supervisor.js';
import { requireBinary, type BinaryName } from './system-binaries.js';

const HOST = '127.0.0.1';

interface LocalNode {
  name: string;
  dir: string;
  fpmPort: number;
  httpPort: number;
  fpm: ManagedProcess | null;
  nginx: ManagedProcess | null;
}

function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

class LocalTopology implements StartedTopology {
  readonly provider = 'local' as const;
  baseUrl = '';
  redis: { host: string; port: number } | null = null;
  toxiproxy: { url: string; proxies: ProxyNames } | null = null;
  balancerRetry: BalancerRetry;
  env!: EnvInfo;
  startMs = 0;
  readonly nodeNames: string[];
  private readonly nodes = new Map<string, LocalNode>();
  private readonly others: ManagedProcess[] = [];
  private stopped = false;
  private run!: RunDirectory;
  private bin!: Record<'phpFpm' | 'nginx' | 'haproxy' | 'redisServer', string>;
  private readonly log: (message: string) => void;
  private readonly reuse: ConnectionReuse;
  private redisProc: ManagedProcess | null = null;
  private redisStopped: { keepData: boolean } | null = null;

  constructor(readonly spec: TopologySpec) {
    this.nodeNames = Array.from({ length: spec.nodes }, (_, i) => `node-${i + 1}`);
    this.balancerRetry = spec.balancer === 'nginx' ? nginxBalancerRetry() : haproxyBalancerRetry();
    this.log = spec.log ?? (() => {});
    this.reuse = spec.connectionReuse ?? defaultConnectionReuse(spec.balancer);
  }

  async start(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    reapStaleRuns(this.log);
    const needs: BinaryName[] = ['phpFpm', 'nginx'];
    if (this.spec.balancer === 'haproxy') needs.push('haproxy');
    if (this.spec.strategy.needsRedis) needs.push('redisServer');
    const found = await Promise.all(needs.map(async (n) => [n, await requireBinary(n)] as const));
    this.bin = Object.fromEntries(found) as typeof this.bin;
    this.run = createRunDirectory(this.spec.runId);
    const envPromise = collectEnvInfo();
    try {
      const ports = await freePorts(2 + 2 * this.spec.nodes + 1);
      const [balancerPort, redisPort, toxiproxyPort] = ports as [number, number, number];
      this.nodeNames.forEach((name, i) => {
        const dir = join(this.run.path, name);
        this.nodes.set(name, { name, dir, fpmPort: ports[3 + 2 * i]!, httpPort: ports[4 + 2 * i]!, fpm: null, nginx: null });
      });

      const redisDirect = this.spec.strategy.needsRedis ? { host: HOST, port: redisPort } : null;
      if (redisDirect) await this.startRedis(redisDirect.port, signal);
      this.redis = redisDirect;

      // Links: balancer -> node and node -> Redis, through Toxiproxy when proxies are on.
      const nodeRedis = new Map<string, { host: string; port: number } | null>();
      const balancerUpstreams: Record<string, string> = {};
      if (this.spec.proxies) {
        const url = this.spec.toxiproxyUrl ?? (await this.startEmbeddedToxiproxy(toxiproxyPort, signal));
        const client = new Toxiproxy(url);
        const proxies: ProxyNames = { balancerToNode: {}, nodeToRedis: {} };
        const links = this.spec.proxyLinks ?? { balancer: true, redis: true };
        for (const node of this.nodes.values()) {
          if (links.balancer) {
            const name = `${this.spec.runId}-balancer-${node.name}`;
            const proxy = await client.createProxy({ name, listen: `${HOST}:0`, upstream: `${HOST}:${node.httpPort}` });
            proxies.balancerToNode[node.name] = name;
            balancerUpstreams[node.name] = proxy.listen;
          } else {
            balancerUpstreams[node.name] = `${HOST}:${node.httpPort}`;
          }
          if (redisDirect && !links.redis) {
            nodeRedis.set(node.name, redisDirect);
          } else if (redisDirect) {
            const redisName = `${this.spec.runId}-${node.name}-redis`;
            const redisProxy = await client.createProxy({ name: redisName, listen: `${HOST}:0`, upstream: `${HOST}:${redisDirect.port}` });
            proxies.nodeToRedis[node.name] = redisName;
            const [host, port] = splitHostPort(redisProxy.listen);
            nodeRedis.set(node.name, { host, port });
          }
        }
        this.toxiproxy = { url, proxies };
      } else {
        for (const node of this.nodes.values()) {
          balancerUpstreams[node.name] = `${HOST}:${node.httpPort}`;
          nodeRedis.set(node.name, redisDirect);
        }
      }

      await Promise.all([...this.nodes.values()].map((node) => this.startNode(node, nodeRedis.get(node.name) ?? null, signal)));
      await this.startBalancer(balancerPort, balancerUpstreams, signal);
      this.baseUrl = `http://${HOST}:${balancerPort}`;
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
    const logFile = join(dir, 'redis.log');
    // Ready = its log says so (a TCP probe would be one more connection in its counters).
    const readyBefore = readyLines(logFile);
    const proc = spawnServer({
      name: 'redis',
      command: this.bin.redisServer,
      args: ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, '--logfile', ''],
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile,
    });
    this.others.push(proc);
    this.redisProc = proc;
    const deadline = performance.now() + 10_000;
    while (readyLines(logFile) <= readyBefore) {
      if (proc.hasExited()) throw new HarnessError(`redis-server exited: ${logTail(logFile)}`);
      if (performance.now() > deadline) break; // the TCP wait below names the problem
      signal?.throwIfAborted();
      await sleep(5);
    }
    // It listens before it logs that it is ready; without that line, a TCP probe says why not.
    if (readyLines(logFile) <= readyBefore) {
      await waitForTcp('redis-server', HOST, port, { signal, isDead: () => (proc.hasExited() ? logTail(proc.logFile) : null) });
    }
  }

  async stopRedis(options: { keepData: boolean }): Promise<void> {
    const proc = this.redisProc;
    if (!this.redis || !proc || proc.hasExited()) throw new HarnessError('Redis is not running: nothing to stop');
    const dump = join(this.run.path, 'redis', 'dump.rdb');
    if (!options.keepData) rmSync(dump, { force: true });
    // SHUTDOWN closes every client connection and answers nothing: its "error" is the close.
    await withRedis(this.redis, (client) => client.call('SHUTDOWN', options.keepData ? 'SAVE' : 'NOSAVE')).catch(() => {});
    const exited = await Promise.race([proc.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!exited) await stopProcess(proc, this.run.pidsDir);
    else rmSync(join(this.run.pidsDir, `${proc.name}.pid`), { force: true });
    this.others.splice(this.others.indexOf(proc), 1);
    this.redisProc = null;
    this.redisStopped = options;
  }

  async restoreRedis(): Promise<void> {
    if (!this.redis || !this.redisStopped) throw new HarnessError('Redis is running; stop it before restoring it');
    // Without kept data a fresh Redis is empty, as a Redis without persistence restarts.
    if (!this.redisStopped.keepData) rmSync(join(this.run.path, 'redis', 'dump.rdb'), { force: true });
    await this.startRedis(this.redis.port);
    this.redisStopped = null;
  }

  async connectionCounters(): Promise<Record<string, NodeConnectionCounters | null>> {
    const nodes = [...this.nodes.values()];
    const sockets = await readFpmSockets(nodes.filter((n) => n.fpm).map((n) => n.fpmPort)).catch(() => new Map());
    const out: Record<string, NodeConnectionCounters | null> = {};
    await Promise.all(
      nodes.map(async (n) => {
        out[n.name] = n.nginx ? { stubStatus: await readStubStatus(HOST, n.httpPort), fpm: n.fpm ? (sockets.get(n.fpmPort) ?? null) : null } : null;
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

  private writeNodeConfig(node: LocalNode, redis: { host: string; port: number } | null): { fpmConf: string; phpIni: string; nginxConf: string } {
    const sessionDir = join(node.dir, 'sessions');
    for (const sub of ['sessions', 'tmp/client_body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) {
      mkdirSync(join(node.dir, sub), { recursive: true });
    }
    const phpIni = join(node.dir, 'php.ini');
    writeFileSync(phpIni, renderPhpIni({ ...basePhpIni, 'session.serialize_handler': this.spec.serializer, ...this.spec.phpIni }));
    const fpmConf = join(node.dir, 'php-fpm.conf');
    writeFileSync(
      fpmConf,
      renderPhpFpmConfig({
        nodeName: node.name,
        listen: `${HOST}:${node.fpmPort}`,
        children: this.spec.phpChildren,
        pidFile: join(node.dir, 'php-fpm.pid'),
        errorLog: join(node.dir, 'php-fpm.log'),
        runAsRoot: process.getuid?.() === 0,
        env: { SESSION_PAYLOAD: this.spec.sessionPayload ?? 'none' },
        adminValues: {
          ...this.spec.strategy.sessionIni({ sessionDir, redis, persistentRedis: this.reuse.redis }),
          error_log: join(node.dir, 'php-error.log'),
        },
      }),
    );
    const nginxConf = join(node.dir, 'nginx.conf');
    writeFileSync(
      nginxConf,
      renderNginxNodeConfig({
        listen: `${HOST}:${node.httpPort}`,
        fpm: `${HOST}:${node.fpmPort}`,
        appDir: phpAppDir,
        prefixDir: node.dir,
        ...(this.reuse.fastcgi ? { fastcgiReuse: { fpmChildren: this.spec.phpChildren } } : {}),
      }),
    );
    return { fpmConf, phpIni, nginxConf };
  }

  private async startNode(node: LocalNode, redis: { host: string; port: number } | null, signal?: AbortSignal): Promise<void> {
    const { fpmConf, phpIni, nginxConf } = this.writeNodeConfig(node, redis);
    const asRoot = process.getuid?.() === 0;
    node.fpm = spawnServer({
      name: `${node.name}-php-fpm`,
      command: this.bin.phpFpm,
      args: [...(asRoot ? ['-R'] : []), '-F', '-O', '-c', phpIni, '-y', fpmConf],
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(node.dir, 'php-fpm.stderr.log'),
    });
    node.nginx = spawnServer({
      name: `${node.name}-nginx`,
      command: this.bin.nginx,
      args: ['-p', node.dir, '-c', nginxConf, '-e', join(node.dir, 'error.log'), '-g', 'daemon off;'],
      runId: this.spec.runId,
      pidsDir: this.run.pidsDir,
      logFile: join(node.dir, 'nginx.stderr.log'),
    });
    const fpm = node.fpm;
    const nginx = node.nginx;
    const isDead = () =>
      fpm.hasExited() ? `php-fpm: ${logTail(fpm.logFile)} ${logTail(join(node.dir, 'php-fpm.log'))}` : nginx.hasExited() ? `nginx: ${logTail(nginx.logFile)} ${logTail(join(node.dir, 'error.log'))}` : null;
    await waitForHttp(`${node.name} (php-fpm + nginx)`, `http://${HOST}:${node.httpPort}/health`, {
      signal,
      isDead,
      expect: (body) => body.includes(`"node":"${node.name}"`),
    });
  }

  private async startBalancer(port: number, upstreams: Record<string, string>, signal?: AbortSignal): Promise<void> {
    const dir = join(this.run.path, 'balancer');
    for (const sub of ['tmp/client_body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) mkdirSync(join(dir, sub), { recursive: true });
    const sticky = this.spec.strategy.routing === 'sticky';
    let proc: ManagedProcess;
    if (this.spec.balancer === 'nginx') {
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, renderNginxBalancerConfig({ listen: `${HOST}:${port}`, upstreams, sticky, prefixDir: dir, reuse: this.reuse.balancer }));
      proc = spawnServer({
        name: 'balancer-nginx',
        command: this.bin.nginx,
        args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'],
        runId: this.spec.runId,
        pidsDir: this.run.pidsDir,
        logFile: join(dir, 'nginx.stderr.log'),
      });
    } else {
      const conf = join(dir, 'haproxy.cfg');
      writeFileSync(conf, renderHaproxyConfig({ listen: `${HOST}:${port}`, upstreams, sticky, reuse: this.reuse.balancer }));
      proc = spawnServer({
        name: 'balancer-haproxy',
        command: this.bin.haproxy,
        args: ['-db', '-f', conf],
        runId: this.spec.runId,
        pidsDir: this.run.pidsDir,
        logFile: join(dir, 'haproxy.log'),
      });
    }
    this.others.push(proc);
    // Ready = a request through the balancer reaches a PHP node.
    await waitForHttp(`balancer (${this.spec.balancer})`, `http://${HOST}:${port}/health`, {
      signal,
      isDead: () => (proc.hasExited() ? logTail(proc.logFile) : null),
      expect: (body) => body.includes('"ok":true'),
    });
  }

  private node(name: string): LocalNode {
    const node = this.nodes.get(name);
    if (!node) throw new InvalidInputError(`unknown node "${name}": this topology has ${this.nodeNames.join(', ')}`);
    return node;
  }

  async killNode(name: string): Promise<void> {
    const node = this.node(name);
    // A kill that finds nothing to kill did not happen: say so, the run records it as failed.
    if (!node.fpm && !node.nginx) throw new HarnessError(`${name} is not running (already killed): nothing to kill`);
    const { fpm, nginx } = node;
    // Dead from the moment the signal is sent: a second kill while this one waits finds nothing.
    node.fpm = null;
    node.nginx = null;
    await Promise.all([fpm && killProcess(fpm, this.run.pidsDir), nginx && killProcess(nginx, this.run.pidsDir)]);
  }

  async restoreNode(name: string): Promise<void> {
    const node = this.node(name);
    if (node.fpm || node.nginx) throw new HarnessError(`${name} is running; kill it before restoring it`);
    // A fresh node: whatever sessions its disk held are gone.
    rmSync(join(node.dir, 'sessions'), { recursive: true, force: true });
    const redis = this.toxiproxy?.proxies.nodeToRedis[name] && this.redis ? await this.redisLinkOf(name) : this.redis;
    await this.startNode(node, redis);
  }

  private async redisLinkOf(name: string): Promise<{ host: string; port: number }> {
    const client = new Toxiproxy(this.toxiproxy!.url);
    const proxy = await client.get(this.toxiproxy!.proxies.nodeToRedis[name]!);
    const [host, port] = splitHostPort(proxy.listen);
    return { host, port };
  }

  async phpErrorLog(): Promise<string> {
    const { readFile } = await import('node:fs/promises');
    const parts = await Promise.all(
      [...this.nodes.values()].flatMap((n) => ['php-error.log', 'php-fpm.log'].map((f) => readFile(join(n.dir, f), 'utf8').catch(() => ''))),
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
    await Promise.all(
      [...this.nodes.values()].flatMap((n) => [n.fpm && stopProcess(n.fpm, pids, 500), n.nginx && stopProcess(n.nginx, pids, 500)]),
    );
    if (this.toxiproxy && this.spec.toxiproxyUrl) {
      // External Toxiproxy: remove the proxies we created there.
      const client = new Toxiproxy(this.spec.toxiproxyUrl);
      const names = [...Object.values(this.toxiproxy.proxies.balancerToNode), ...Object.values(this.toxiproxy.proxies.nodeToRedis)];
      await Promise.allSettled(names.map(async (n) => (await client.get(n)).remove()));
    }
    await Promise.all(this.others.filter((p) => !balancer.includes(p)).map((p) => stopProcess(p, pids)));
    if (this.run) removeRunDirectory(this.run);
    return performance.now() - t0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** How many times redis-server has logged that it is ready. */
function readyLines(logFile: string): number {
  try {
    return readFileSync(logFile, 'utf8').split('Ready to accept connections').length - 1;
  } catch {
    return 0;
  }
}

function splitHostPort(listen: string): [string, number] {
  const index = listen.lastIndexOf(':');
  return [listen.slice(0, index) || HOST, Number(listen.slice(index + 1))];
}

export const localProvider: Provider = {
  name: 'local',
  async checkDependencies(spec) {
    await requireBinary('phpFpm');
    await requireBinary('nginx');
    if (spec.balancer === 'haproxy') await requireBinary('haproxy');
    if (spec.strategy.needsRedis) await requireBinary('redisServer');
  },
  async start(spec, signal) {
    const topology = new LocalTopology(spec);
    await topology.start(signal);
    return topology;
  },
};
