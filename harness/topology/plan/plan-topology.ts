/**
 * Plan, then realize. `planTopology` is pure: from the spec and the provider's site (where each
 * server listens and which paths it sees) it decides every node, every link and its Toxiproxy
 * proxy, and renders every config file. A provider only turns the plan into processes or
 * containers, so local and docker share all that is not about where a process runs.
 */
import { basePhpIni, renderPhpFpmConfig, renderPhpIni } from '../config/php-fpm-config.js';
import { renderNginxNodeConfig } from '../config/nginx-node-config.js';
import { requireBalancer } from '../balancers/balancer-registry.js';
import type { BalancerKind, BalancerRetry, BalancerTimeouts } from '../balancers/balancer-kind.js';
import { defaultConnectionReuse, type ConnectionReuse } from '../connection-reuse.js';
import type { ProxyNames, TopologySpec } from '../topology-types.js';
import type { PlannedLog } from '../../evidence/evidence-types.js';
import { APP_WRITABLE_ENV, appPhpIniFor } from '../../app/app-spec.js';

export interface HostPort {
  host: string;
  port: number;
}

export const hostPort = (address: HostPort): string => `${address.host}:${address.port}`;

/** Paths a node's servers see (in the run directory locally, under /psl in a container). */
export interface NodePaths {
  sessionDir: string;
  /** nginx's -p prefix (temporary files). */
  prefixDir: string;
  appDir: string;
  fpmPidFile: string;
  fpmErrorLog: string;
  phpErrorLog: string;
  /** The node's own writable copies of the app's data (topology.app.writable). */
  appWritableDir?: string;
}

/** Where the provider puts things. Everything else is the plan's. */
export interface Site {
  /** How the balancer (or the link's proxy) reaches a node's nginx. */
  nodeHttp(node: string): HostPort;
  /** What a node's nginx binds ("127.0.0.1:PORT", or "80" in its container). */
  nodeHttpListen(node: string): string;
  /** Where a node's PHP-FPM listens, as its nginx reaches it. */
  nodeFpm(node: string): HostPort;
  nodePaths(node: string): NodePaths;
  /** Redis as the nodes reach it without a proxy; null when the strategy needs none (or a cluster). */
  redis: HostPort | null;
  /** The Redis Cluster's nodes as PHP reaches them (its seeds); null without a cluster. */
  redisCluster?: HostPort[] | null;
  /** The listen address of a link's proxy, chosen up front so the plan can wire it. */
  proxyListen(link: LinkKind, node: string): HostPort;
  /** What the balancer binds. */
  balancerListen: string;
  balancerPrefixDir: string;
  /** PHP-FPM runs as root (-R): the pool then needs a user and group. */
  fpmAsRoot: boolean;
}

export type LinkKind = 'balancer' | 'redis';

export interface ConfigFile {
  /** File name (php.ini, php-fpm.conf, nginx.conf, haproxy.cfg). */
  name: string;
  content: string;
}

export interface NodePlan {
  name: string;
  /** How the balancer reaches it (directly, or through its link's proxy). */
  upstream: string;
  /** The Redis address its PHP uses (a proxy when the link has one). */
  redis: HostPort | null;
  files: ConfigFile[];
}

/** A link with a Toxiproxy proxy on it. */
export interface LinkPlan {
  kind: LinkKind;
  node: string;
  proxy: string;
  listen: HostPort;
  upstream: HostPort;
}

export interface TopologyPlan {
  nodeNames: string[];
  nodes: NodePlan[];
  links: LinkPlan[];
  proxies: ProxyNames;
  balancer: { kind: BalancerKind; file: ConfigFile; sticky: boolean };
  retry: BalancerRetry;
  reuse: ConnectionReuse;
  /** A proxied Redis Cluster: the client port each node (redis-1, ...) announces (its proxy's). */
  redisClusterAnnounced?: number[];
  /** Every log its components write (root-cause evidence), where each component writes it. */
  logs: PlannedLog[];
  /** Binaries the local provider needs (system-binaries.ts names). */
  binaries: Array<'phpFpm' | 'nginx' | 'haproxy' | 'redisServer' | 'redisCli'>;
}

export function nodeNamesOf(spec: Pick<TopologySpec, 'nodes'>): string[] {
  return Array.from({ length: spec.nodes }, (_, i) => `node-${i + 1}`);
}

/** Whether the strategy stores sessions in a Redis Cluster (no single Redis then). */
export function usesRedisCluster(spec: Pick<TopologySpec, 'strategy'>): boolean {
  return spec.strategy.storage === 'rediscluster';
}

/** Which links carry a proxy (none without `proxies`; the Redis links only with Redis). */
export function proxiedLinks(spec: TopologySpec): Record<LinkKind, boolean> {
  if (!spec.proxies) return { balancer: false, redis: false };
  const links = spec.proxyLinks ?? { balancer: true, redis: true };
  return { balancer: links.balancer, redis: links.redis && spec.strategy.needsRedis };
}

/** redis-1 .. redis-N of the spec's Redis Cluster ([] without one). */
export function clusterNodeNamesOf(spec: TopologySpec): string[] {
  const c = usesRedisCluster(spec) ? spec.redisCluster : undefined;
  return c ? Array.from({ length: c.masters * (1 + c.replicasPerMaster) }, (_, i) => `redis-${i + 1}`) : [];
}

/**
 * The proxied links, as `kind:node`. A Redis Cluster's Redis links are one per cluster node
 * (every client reaches redis-N through its proxy: the node announces the proxy's port, so
 * MOVED redirections lead there too), not one per PHP node.
 */
function proxyKeys(spec: TopologySpec): string[] {
  const proxied = proxiedLinks(spec);
  const cluster = usesRedisCluster(spec);
  return [
    ...(proxied.balancer ? nodeNamesOf(spec).map((node) => `balancer:${node}`) : []),
    ...(proxied.redis ? (cluster ? clusterNodeNamesOf(spec) : nodeNamesOf(spec)).map((node) => `redis:${node}`) : []),
  ];
}

/** How many proxy listen addresses the site must provide. */
export function proxyCount(spec: TopologySpec): number {
  return proxyKeys(spec).length;
}

/** A site's `proxyListen` from `proxyCount(spec)` ports chosen up front on `host`. */
export function proxyListenOn(spec: TopologySpec, host: string, ports: readonly number[]): Site['proxyListen'] {
  const keys = proxyKeys(spec);
  if (ports.length !== keys.length) throw new Error(`${keys.length} proxies need as many ports, got ${ports.length}`);
  const byKey = new Map(keys.map((key, i) => [key, ports[i]!]));
  return (kind, node) => {
    const port = byKey.get(`${kind}:${node}`);
    if (port === undefined) throw new Error(`no proxy is planned for the ${kind} link of ${node}`);
    return { host, port };
  };
}

export function proxyName(runId: string, link: LinkKind, node: string): string {
  return link === 'balancer' ? `${runId}-balancer-${node}` : `${runId}-${node}-redis`;
}

/** The balancer's timeouts for this spec: the scenario's, else the balancer kind's defaults. */
export function balancerTimeoutsOf(spec: Pick<TopologySpec, 'balancer' | 'balancerTimeouts'>): BalancerTimeouts {
  return { ...requireBalancer(spec.balancer).defaultTimeouts, ...spec.balancerTimeouts };
}

export function planTopology(spec: TopologySpec, site: Site): TopologyPlan {
  const balancer = requireBalancer(spec.balancer);
  const reuse = spec.connectionReuse ?? defaultConnectionReuse(spec.balancer);
  const cluster = usesRedisCluster(spec);
  const redis = spec.strategy.needsRedis && !cluster ? site.redis : null;
  const direct = cluster ? site.redisCluster ?? null : null;
  if (cluster && !direct?.length) throw new Error(`strategy ${spec.strategy.name} needs a Redis Cluster, and the site has none`);
  const proxied = proxiedLinks(spec);
  const nodeNames = nodeNamesOf(spec);
  const links: LinkPlan[] = [];
  const proxies: ProxyNames = { balancerToNode: {}, nodeToRedis: {} };
  const link = (kind: LinkKind, node: string, upstream: HostPort): HostPort => {
    const plan: LinkPlan = { kind, node, proxy: proxyName(spec.runId, kind, node), listen: site.proxyListen(kind, node), upstream };
    links.push(plan);
    (kind === 'balancer' ? proxies.balancerToNode : proxies.nodeToRedis)[node] = plan.proxy;
    return plan.listen;
  };
  // A proxied cluster node announces its proxy's port: PHP's seeds and redirections go there.
  const seeds = direct && proxied.redis ? clusterNodeNamesOf(spec).map((name, i) => link('redis', name, direct[i]!)) : direct;
  const nodes = nodeNames.map((name): NodePlan => {
    const upstream = proxied.balancer ? link('balancer', name, site.nodeHttp(name)) : site.nodeHttp(name);
    const nodeRedis = redis && proxied.redis ? link('redis', name, redis) : redis;
    return { name, upstream: hostPort(upstream), redis: nodeRedis, files: nodeFiles(spec, site, name, nodeRedis, seeds, reuse) };
  });
  const sticky = spec.strategy.routing === 'sticky';
  const upstreams = Object.fromEntries(nodes.map((n) => [n.name, n.upstream]));
  const timeouts = balancerTimeoutsOf(spec);
  const content = balancer.render({ listen: site.balancerListen, upstreams, sticky, prefixDir: site.balancerPrefixDir, reuse: reuse.balancer, timeouts });
  const binaries = [...new Set(['phpFpm', 'nginx', balancer.binary, ...(spec.strategy.needsRedis ? ['redisServer'] : []), ...(cluster ? ['redisCli'] : [])])] as TopologyPlan['binaries'];
  return {
    nodeNames,
    nodes,
    ...(seeds && direct && proxied.redis ? { redisClusterAnnounced: seeds.map((s) => s.port) } : {}),
    links,
    proxies,
    balancer: { kind: balancer, file: { name: balancer.configFile, content }, sticky },
    retry: balancer.retryPolicy(timeouts),
    reuse,
    logs: plannedLogs(spec, site, nodeNames, balancer),
    binaries,
  };
}

/** A process writing to its own stderr writes its output (a container's fpm: /proc/self/fd/2). */
const fileOrOutput = (path: string): PlannedLog['at'] => (path.startsWith('/proc/self/fd/') ? 'output' : { file: path });

function plannedLogs(spec: TopologySpec, site: Site, nodeNames: string[], balancer: BalancerKind): PlannedLog[] {
  const nodes = nodeNames.flatMap((name): PlannedLog[] => {
    const paths = site.nodePaths(name);
    return [
      { component: name, format: 'php-error', at: fileOrOutput(paths.phpErrorLog) },
      { component: name, format: 'php-fpm', at: fileOrOutput(paths.fpmErrorLog) },
      // nginxCommonHead: error_log <prefix>/error.log.
      { component: name, format: 'nginx-error', at: { file: `${paths.prefixDir}/error.log` } },
    ];
  });
  // nginx writes its error and access logs under its prefix; HAProxy logs to stdout.
  const balancerLogs: PlannedLog[] =
    balancer.binary === 'nginx'
      ? [
          { component: 'balancer', format: 'nginx-error', at: { file: `${site.balancerPrefixDir}/error.log` } },
          { component: 'balancer', format: 'nginx-access', at: { file: `${site.balancerPrefixDir}/access.log` } },
        ]
      : [{ component: 'balancer', format: 'haproxy', at: 'output' }];
  const cluster = clusterNodeNamesOf(spec);
  const redis = cluster.length > 0 ? cluster : spec.strategy.needsRedis ? ['redis'] : [];
  return [...nodes, ...balancerLogs, ...redis.map((component): PlannedLog => ({ component, format: 'redis', at: 'output' }))];
}

function nodeFiles(spec: TopologySpec, site: Site, name: string, redis: HostPort | null, seeds: HostPort[] | null, reuse: ConnectionReuse): ConfigFile[] {
  const paths = site.nodePaths(name);
  const fpm = site.nodeFpm(name);
  const app = spec.app;
  if (app && !paths.appWritableDir) throw new Error(`the site gives ${name} no writable directory for topology.app`);
  const appIni = app ? appPhpIniFor(app, paths.appWritableDir!) : {};
  const php = renderPhpIni({ ...basePhpIni, 'session.serialize_handler': spec.serializer, ...appIni, ...spec.phpIni });
  const pool = renderPhpFpmConfig({
    nodeName: name,
    listen: hostPort(fpm),
    children: spec.phpChildren,
    pidFile: paths.fpmPidFile,
    errorLog: paths.fpmErrorLog,
    runAsRoot: site.fpmAsRoot,
    env: { SESSION_PAYLOAD: spec.sessionPayload ?? 'none', ...(app ? { [APP_WRITABLE_ENV]: paths.appWritableDir! } : {}) },
    adminValues: {
      ...spec.strategy.sessionIni({
        sessionDir: paths.sessionDir,
        redis,
        ...(seeds ? { redisSeeds: seeds } : {}),
        persistentRedis: reuse.redis,
        ...(spec.redisTimeouts ? { redisTimeouts: spec.redisTimeouts } : {}),
      }),
      error_log: paths.phpErrorLog,
    },
  });
  const nginx = renderNginxNodeConfig({
    listen: site.nodeHttpListen(name),
    fpm: hostPort(fpm),
    appDir: paths.appDir,
    prefixDir: paths.prefixDir,
    ...(app ? { app: { docroot: app.docroot, frontController: app.frontController, nodeName: name, serverPort: site.balancerListen.split(':').pop()! } } : {}),
    ...(reuse.fastcgi ? { fastcgiReuse: { fpmChildren: spec.phpChildren } } : {}),
  });
  return [
    { name: 'php.ini', content: php },
    { name: 'php-fpm.conf', content: pool },
    { name: 'nginx.conf', content: nginx },
  ];
}

export function fileOf(node: NodePlan, name: string): string {
  const file = node.files.find((f) => f.name === name);
  if (!file) throw new Error(`the plan of ${node.name} has no ${name}`);
  return file.content;
}
