/**
 * The external provider: a deployment the harness does not start (docker compose, Kubernetes,
 * VMs). It starts and stops nothing. It checks every URL the scenario names before the run
 * (the balancer, each node, Toxiproxy and its proxies, Redis), sends traffic only there, and
 * makes node faults by running the scenario's own commands (topology.external.commands), each
 * with a timeout and its output kept in the run's output directory. The node names are the
 * ones the app reports, so answers are attributed and fault targets match.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider, ProxyNames, StartedTopology, TopologySpec } from '../topology-types.js';
import type { EnvInfo } from '../../results/result-schema.js';
import type { BalancerRetry } from '../balancers/balancer-kind.js';
import type { LogSource } from '../../evidence/evidence-types.js';
import { redisLatencySource } from '../../evidence/redis-latency-source.js';
import { requireBalancer } from '../balancers/balancer-registry.js';
import { balancerTimeoutsOf } from '../plan/plan-topology.js';
import { NodeSlots } from '../node-slots.js';
import { withRedis } from '../../redis-inspect/redis-connection.js';
import { HarnessError, InvalidInputError } from '../../errors.js';
import { errorLine, oneLine, quoted } from '../../util/one-line.js';
import { CommandRunner } from './command-runner.js';
import { parseDuration } from '../../scenario/duration.js';
import { fillCommand, redisLinkProxies, type ExternalSpec, type NodeCommandName } from './external-settings.js';

const FIELD = 'topology.external';
/** How long one check of a URL before the run may take. */
const CHECK_TIMEOUT_MS = 5000;

interface ExternalNode {
  name: string;
  url?: string;
}

/** GET url: status and body, or why it could not be read. */
async function get(url: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? errorLine(error, 120) };
  }
}

/** The `node` an answer names, or null when it names none. */
function nodeOf(body: string): string | null {
  try {
    const node = (JSON.parse(body) as { node?: unknown }).node;
    return typeof node === 'string' ? node : null;
  } catch {
    return null;
  }
}

function redisAddress(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 6379 };
}

class ExternalTopology implements StartedTopology {
  readonly provider = 'external' as const;
  readonly baseUrl: string;
  readonly nodeNames: string[];
  readonly redis: { host: string; port: number } | null;
  readonly redisCluster = null;
  readonly toxiproxy: { url: string; proxies: ProxyNames } | null;
  readonly balancerRetry: BalancerRetry;
  readonly notInspected: Record<string, string>;
  env: EnvInfo = { php: null, nginx: null, haproxy: null, redis: null, node: process.version };
  startMs = 0;
  private readonly settings: ExternalSpec;
  private readonly nodes: NodeSlots<ExternalNode>;
  private readonly commands: CommandRunner;
  private readonly log: (message: string) => void;

  constructor(readonly spec: TopologySpec) {
    if (!spec.external) throw new InvalidInputError(`${FIELD}: missing: provider 'external' needs the deployment's url, nodes and commands`);
    this.settings = spec.external;
    this.log = spec.log ?? (() => {});
    this.baseUrl = this.settings.url.replace(/\/$/, '');
    this.nodeNames = this.settings.nodes.map((n) => n.name);
    this.nodes = new NodeSlots(this.nodeNames);
    for (const node of this.settings.nodes) this.nodes.set(node.name, { name: node.name, ...(node.url ? { url: node.url.replace(/\/$/, '') } : {}) });
    this.redis = this.settings.redisUrl ? redisAddress(this.settings.redisUrl) : null;
    const links = this.settings.toxiproxy;
    this.toxiproxy = links ? { url: links.url.replace(/\/$/, ''), proxies: { balancerToNode: { ...links.links.balancer }, nodeToRedis: redisLinkProxies(this.settings) } } : null;
    this.commands = new CommandRunner(this.settings.outputDir, parseDuration(this.settings.commandTimeout));
    const kind = requireBalancer(spec.balancer);
    const declared = kind.retryPolicy(balancerTimeoutsOf(spec));
    this.balancerRetry = {
      ...declared,
      summary: `declared ${kind.name}: the deployment's own configuration decides (not read by the harness)`,
      directives: [],
    };
    const why = `not inspected: no Redis URL given (${FIELD}.redisUrl)`;
    this.notInspected =
      spec.strategy.storage === 'redis' && !this.redis ? { redis: why } : spec.strategy.storage === 'rediscluster' ? { redisCluster: 'not inspected: the external provider does not read a Redis Cluster' } : {};
  }

  /** Every URL the scenario names answers, and every proxy it names exists; all problems in one error. */
  async start(signal?: AbortSignal): Promise<void> {
    const t0 = performance.now();
    this.log(`external deployment at ${this.baseUrl}: checking the URLs the scenario names (nothing is started)`);
    const problems: string[] = [];
    const health = this.settings.healthPath;
    const checks: Array<Promise<void>> = [
      get(`${this.baseUrl}${health}`).then((r) => {
        if ('error' in r) problems.push(`${FIELD}.url: ${this.baseUrl}${health} did not answer (${r.error})`);
        else if (r.status < 200 || r.status > 299) problems.push(`${FIELD}.url: ${this.baseUrl}${health} answered ${r.status}`);
      }),
      ...this.settings.nodes.map(async (node, i) => {
        if (!node.url) return;
        const url = `${node.url.replace(/\/$/, '')}${health}`;
        const r = await get(url);
        if ('error' in r) problems.push(`${FIELD}.nodes[${i}].url: ${url} did not answer (${r.error})`);
        else if (r.status < 200 || r.status > 299) problems.push(`${FIELD}.nodes[${i}].url: ${url} answered ${r.status}`);
        else if (nodeOf(r.body) !== null && nodeOf(r.body) !== node.name) {
          problems.push(`${FIELD}.nodes[${i}].name: ${url} answers as node ${quoted(nodeOf(r.body))}, not ${quoted(node.name)}: name each node as its app reports it`);
        }
      }),
    ];
    if (this.toxiproxy) checks.push(this.checkProxies(problems));
    if (this.redis) {
      const redis = this.redis;
      checks.push(
        withRedis(redis, (client) => client.info('server')).then(
          (info) => {
            this.env.redis = /redis_version:(\S+)/.exec(info)?.[1] ?? null;
          },
          (error: unknown) => {
            problems.push(`${FIELD}.redisUrl: ${errorLine(error, 160)}`);
          },
        ),
      );
    }
    await Promise.all(checks);
    signal?.throwIfAborted();
    if (problems.length) {
      const lines = problems.map(oneLine);
      throw new InvalidInputError(`the external deployment is not as the scenario describes it — ${lines.join('; ')}`, lines);
    }
    this.startMs = performance.now() - t0;
  }

  private async checkProxies(problems: string[]): Promise<void> {
    const { url, proxies } = this.toxiproxy!;
    const r = await get(`${url}/proxies`);
    if ('error' in r || r.status !== 200) {
      problems.push(`${FIELD}.toxiproxy.url: ${url}/proxies ${'error' in r ? `did not answer (${r.error})` : `answered ${r.status}`}`);
      return;
    }
    let known: string[];
    try {
      known = Object.keys(JSON.parse(r.body) as Record<string, unknown>);
    } catch {
      problems.push(`${FIELD}.toxiproxy.url: ${url}/proxies did not answer the Toxiproxy API's JSON`);
      return;
    }
    const named: Array<[string, string]> = [
      ...Object.entries(proxies.balancerToNode).map(([node, name]): [string, string] => [`balancer.${node}`, name]),
      ...(typeof this.settings.toxiproxy?.links.redis === 'string'
        ? [['redis', this.settings.toxiproxy.links.redis] as [string, string]]
        : Object.entries(proxies.nodeToRedis).map(([node, name]): [string, string] => [`redis.${node}`, name])),
    ];
    for (const [field, name] of named) {
      if (!known.includes(name)) problems.push(`${FIELD}.toxiproxy.links.${field}: no proxy ${quoted(name)} on ${url} (it has ${known.length ? known.join(', ') : 'none'})`);
    }
  }

  /** Runs a node command with {node} and {url} filled in; its failure (exit, timeout) throws. */
  private async runNodeCommand(command: NodeCommandName, node: ExternalNode): Promise<void> {
    const template = this.settings.commands[command];
    if (template === undefined) throw new HarnessError(`${FIELD}.commands.${command} is not given: the external provider cannot ${command} ${node.name}`);
    const line = fillCommand(template, { node: node.name, ...(node.url ? { url: node.url } : {}) });
    const outcome = await this.commands.runOrThrow(`${FIELD}.commands.${command} for ${node.name} (${quoted(line, 120)})`, `${command}-${node.name}`, line, {
      PSL_NODE: node.name,
      ...(node.url ? { PSL_NODE_URL: node.url } : {}),
    });
    this.log(`${command} ${node.name}: ${quoted(line, 120)} exited 0 in ${outcome.ms} ms`);
  }

  async killNode(name: string): Promise<void> {
    // Dead from the moment the command starts; a kill whose command failed did not happen.
    const node = this.nodes.take(name);
    try {
      await this.runNodeCommand('kill', node);
    } catch (error) {
      this.nodes.set(name, node);
      throw error;
    }
  }

  async restoreNode(name: string): Promise<void> {
    this.nodes.assertDown(name);
    const node = this.settings.nodes.find((n) => n.name === name)!;
    const running: ExternalNode = { name, ...(node.url ? { url: node.url.replace(/\/$/, '') } : {}) };
    await this.runNodeCommand('restore', running);
    this.nodes.set(name, running);
    // With its URL, a restored node is back when it answers as itself (within the command timeout).
    if (running.url) await this.awaitHealthy(running);
  }

  private async awaitHealthy(node: ExternalNode): Promise<void> {
    const url = `${node.url}${this.settings.healthPath}`;
    const deadline = performance.now() + this.commands.timeoutMs;
    for (;;) {
      const r = await get(url, 1000);
      if (!('error' in r) && r.status >= 200 && r.status < 300 && (nodeOf(r.body) ?? node.name) === node.name) return;
      if (performance.now() > deadline) throw new HarnessError(`${node.name} was restored but ${url} did not answer 2xx within ${this.commands.timeoutMs} ms`);
      await sleep(200);
    }
  }

  async pauseNode(name: string): Promise<void> {
    const node = this.nodes.pause(name);
    try {
      await this.runNodeCommand('hang', node);
    } catch (error) {
      this.nodes.resume(name);
      throw error;
    }
  }

  async resumeNode(name: string): Promise<void> {
    await this.runNodeCommand('resume', this.nodes.resume(name));
  }

  logSources(): LogSource[] {
    const sources = this.settings.logs.map((log, i): LogSource => {
      const base = { component: log.component, format: log.format, ...(log.zone ? { zone: log.zone } : {}) };
      if (log.file !== undefined) {
        const path = log.file;
        // A log not created yet is empty, not unreadable.
        return { ...base, origin: path, read: () => readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error))) };
      }
      const command = log.command!;
      return {
        ...base,
        origin: command,
        read: async () => {
          const outcome = await this.commands.runOrThrow(`${FIELD}.logs[${i}].command`, `log-${log.component}`, command);
          return readFile(outcome.stdoutFile, 'utf8');
        },
      };
    });
    // Redis's latency monitor, read only (LATENCY LATEST / HISTORY).
    if (this.redis) sources.push(redisLatencySource('redis', this.redis));
    return sources;
  }

  /** Nothing to stop: the deployment is not the harness's. A node the scenario left killed stays killed. */
  async stop(): Promise<number> {
    const down = this.nodeNames.filter((name) => this.nodes.get(name) === null);
    if (down.length) this.log(`left as the scenario left them: ${down.join(', ')} killed (restore with ${FIELD}.commands.restore, or give the fault a restoreAt)`);
    return 0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export const externalProvider: Provider = {
  name: 'external',
  async checkDependencies() {
    // Nothing to install here: the commands run with /bin/sh.
  },
  async start(spec, signal) {
    const topology = new ExternalTopology(spec);
    await topology.start(signal);
    return topology;
  },
};
