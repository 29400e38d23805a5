/**
 * The checks across fields for provider 'external', made before anything runs (validate-scenario
 * calls them and lists their problems with every other one). The harness cannot look inside an
 * external deployment, so the user declares its shape (strategy, node count, balancer kind) and
 * gives every command a fault needs; settings that would configure a stack the harness starts
 * have no effect there and are refused rather than ignored.
 */
import type { FaultKind } from '../../faults/fault-kind.js';
import type { FaultSpec } from '../../scenario/scenario-schema.js';
import type { Strategy } from '../../strategies/strategy.js';
import { quoted } from '../../util/one-line.js';
import { placeholdersOf, redisLinkProxies, type ExternalSettings, type NodeCommandName } from './external-settings.js';

const FIELD = 'topology.external';

/** Topology settings that configure the stack the harness would start: nothing to apply to an external one. */
const configuringSettings = ['phpChildren', 'sessionPayload', 'connectionReuse', 'proxies'] as const;
const configuringRedisSettings = ['persistence', 'timeout', 'readTimeout', 'cluster'] as const;

/**
 * The faults whose effect is a command of the deployment, and the commands each needs. Every
 * other fault that is not a Toxiproxy link fault needs a way in (a signal, a Redis restart, a
 * CONFIG SET) the external provider does not have.
 */
function commandsFor(spec: FaultSpec): NodeCommandName[] | null {
  if (spec.type === 'node-kill') return spec.restoreAt !== undefined || spec.duration !== undefined ? ['kill', 'restore'] : ['kill'];
  if (spec.type === 'node-hang') return ['hang', 'resume'];
  return null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the checks across fields read of topology.external. */
export type ExternalView = Pick<ExternalSettings, 'nodes' | 'commands' | 'toxiproxy' | 'redisUrl'>;

/**
 * topology.external as parsed, or, when its schema refused some field, whatever has the right
 * type (so a missing command is named together with a malformed URL, not after it is fixed).
 */
export function externalView(raw: unknown, parsed: ExternalSettings | null): ExternalView | null {
  if (parsed) return parsed;
  if (!isObject(raw)) return null;
  const str = (v: unknown): v is string => typeof v === 'string';
  const nodes = (Array.isArray(raw.nodes) ? raw.nodes : []).flatMap((n: unknown) => (isObject(n) && str(n.name) ? [{ name: n.name, ...(str(n.url) ? { url: n.url } : {}) }] : []));
  const commands = Object.fromEntries(Object.entries(isObject(raw.commands) ? raw.commands : {}).filter(([k, v]) => str(v) && ['kill', 'restore', 'hang', 'resume'].includes(k)));
  const toxiproxy = isObject(raw.toxiproxy) ? raw.toxiproxy : null;
  const links = toxiproxy && isObject(toxiproxy.links) ? toxiproxy.links : {};
  const strings = (v: unknown) => Object.fromEntries(Object.entries(isObject(v) ? v : {}).filter(([, x]) => str(x))) as Record<string, string>;
  return {
    nodes,
    commands,
    ...(str(raw.redisUrl) ? { redisUrl: raw.redisUrl } : {}),
    ...(toxiproxy ? { toxiproxy: { url: str(toxiproxy.url) ? toxiproxy.url : '', links: { balancer: strings(links.balancer), redis: str(links.redis) ? links.redis : strings(links.redis) } } } : {}),
  };
}

export interface ExternalTopologyInput {
  provider: string;
  /** The topology as given (which fields were set, not their defaults). */
  topology: unknown;
  /** topology.external as far as it can be read (externalView), null when absent. */
  settings: ExternalView | null;
  strategy: Strategy | undefined;
  /** The scenario is a serialization bench (it starts stacks of its own). */
  serialization: boolean;
}

/** The node names of an external topology (fault targets and answers use them). */
export function externalNodeNames(settings: Pick<ExternalView, 'nodes'>): string[] {
  return settings.nodes.map((n) => n.name);
}

export function externalTopologyProblems(input: ExternalTopologyInput): string[] {
  const topology = isObject(input.topology) ? input.topology : {};
  const given = 'external' in topology && topology.external !== undefined;
  if (input.provider !== 'external') return given ? [`${FIELD}: describes an external deployment: set topology.provider to 'external', or remove it`] : [];
  if (!given) return [`${FIELD}: missing: provider 'external' needs the deployment's url, nodes and commands (docs/external-provider.md)`];
  const problems: string[] = [];
  for (const key of configuringSettings) {
    if (key in topology) problems.push(`topology.${key}: the external provider configures nothing in the deployment: remove it (set it in the deployment)`);
  }
  if (isObject(topology.redis)) {
    for (const key of configuringRedisSettings) {
      if (key in topology.redis) problems.push(`topology.redis.${key}: the external provider configures nothing in the deployment: remove it (set it in the deployment)`);
    }
  }
  if (input.serialization) problems.push('serialization: the serialization bench starts stacks of its own: use provider local or docker');
  if (!('balancer' in topology)) {
    problems.push("topology.balancer: missing: declare the balancer the deployment runs (nginx, haproxy or haproxy-leastconn): the harness cannot know it");
  }
  const settings = input.settings;
  if (!settings) return problems;
  const names = externalNodeNames(settings);
  if (!('nodes' in topology)) {
    problems.push(`topology.nodes: missing: declare the deployment's node count (${names.length}, as ${FIELD}.nodes names them): the harness cannot know it`);
  } else if (typeof topology.nodes === 'number' && topology.nodes !== names.length) {
    problems.push(`topology.nodes: ${topology.nodes}, but ${FIELD}.nodes names ${names.length} node(s) (${names.join(', ')}): make them agree`);
  }
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) problems.push(`${FIELD}.nodes[${i}].name: ${quoted(name)} is named twice`);
  });
  // {url} needs a URL for every node a command can be run for.
  const withoutUrl = settings.nodes.findIndex((n) => n.url === undefined);
  for (const [command, template] of Object.entries(settings.commands)) {
    if (template !== undefined && withoutUrl >= 0 && placeholdersOf(template).includes('url')) {
      problems.push(`${FIELD}.commands.${command}: {url} needs a url for every node: ${FIELD}.nodes[${withoutUrl}].url is missing`);
    }
  }
  const links = settings.toxiproxy?.links;
  const linkMaps = { balancer: links?.balancer, redis: typeof links?.redis === 'string' ? undefined : links?.redis };
  for (const [kind, map] of Object.entries(linkMaps)) {
    for (const node of Object.keys(map ?? {})) {
      if (!names.includes(node)) problems.push(`${FIELD}.toxiproxy.links.${kind}.${node}: not a node of ${FIELD}.nodes (${names.join(', ')})`);
    }
  }
  const storage = input.strategy?.storage;
  if (settings.redisUrl !== undefined && input.strategy && !input.strategy.needsRedis) {
    problems.push(`${FIELD}.redisUrl: strategy ${quoted(input.strategy.name)} stores no session in Redis: remove it`);
  } else if (settings.redisUrl !== undefined && storage === 'rediscluster') {
    problems.push(`${FIELD}.redisUrl: a Redis Cluster is not inspected on the external provider yet: remove it (the sessions are judged by HTTP)`);
  }
  if (links?.redis !== undefined && input.strategy && !input.strategy.needsRedis) {
    problems.push(`${FIELD}.toxiproxy.links.redis: strategy ${quoted(input.strategy.name)} has no Redis link: remove it`);
  }
  return problems;
}

/** What an external deployment lacks for fault i (commands, Toxiproxy proxies), or why it cannot run there. */
export function externalFaultProblems(i: number, spec: FaultSpec, kind: FaultKind, settings: ExternalView): string[] {
  const target = spec.target ?? kind.defaultTarget;
  const label = `faults[${i}] (${spec.type} ${target})`;
  const needed = commandsFor(spec);
  if (needed) {
    const missing = needed.filter((c) => settings.commands[c] === undefined);
    return missing.map(
      (c) => `${FIELD}.commands.${c}: missing: ${label} needs the commands ${needed.join(' and ')} (e.g. ${quoted(exampleCommand(c))})`,
    );
  }
  const linkKinds = kind.links(spec);
  if (linkKinds.length === 0) {
    return [`faults[${i}].type: ${spec.type} cannot run on the external provider: it runs only ${FIELD}.commands (node-kill, node-hang) and Toxiproxy link faults`];
  }
  if (!settings.toxiproxy) {
    return [`${FIELD}.toxiproxy: missing: ${label} acts on a link through Toxiproxy: give toxiproxy.url and the names of the proxies on the deployment's links`];
  }
  const problems: string[] = [];
  for (const link of linkKinds) {
    if (link === 'balancer') {
      if (!settings.toxiproxy.links.balancer?.[target]) {
        problems.push(`${FIELD}.toxiproxy.links.balancer.${target}: missing: ${label} needs the name of the proxy between the balancer and ${target}`);
      }
      continue;
    }
    const proxies = redisLinkProxies(settings);
    const names = settings.nodes.map((n) => n.name);
    if (target === 'redis') {
      const without = names.filter((n) => !proxies[n]);
      if (without.length) problems.push(`${FIELD}.toxiproxy.links.redis: missing for ${without.join(', ')}: ${label} cuts every node's link to Redis (give one proxy name, or one per node)`);
    } else if (!proxies[target]) {
      problems.push(`${FIELD}.toxiproxy.links.redis.${target}: missing: ${label} needs the name of the proxy between ${target} and Redis`);
    } else if (names.some((n) => n !== target && proxies[n] === proxies[target])) {
      // A proxy shared by several nodes would carry the fault to all of them.
      problems.push(`faults[${i}].target: ${target}'s Redis link shares its proxy ${quoted(proxies[target])} with other nodes: target "redis", or give ${target} a proxy of its own`);
    }
  }
  return problems;
}

function exampleCommand(command: NodeCommandName): string {
  return { kill: 'docker kill {node}', restore: 'docker start {node}', hang: 'docker pause {node}', resume: 'docker unpause {node}' }[command];
}
