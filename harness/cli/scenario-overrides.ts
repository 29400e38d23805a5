/** CLI flags that override a scenario (before validation, so bad values name the flag). */
import { parseDuration } from '../scenario/duration.js';
import { InvalidInputError } from '../errors.js';
import { intFlag } from './cli-support.js';
import { strategyNames } from '../strategies/strategy-registry.js';

/** parseArgs options shared by `scenario` and `compare`. */
export const overrideOptions = {
  duration: { type: 'string' },
  users: { type: 'string' },
  connections: { type: 'string' },
  nodes: { type: 'string' },
  requests: { type: 'string' },
  rate: { type: 'string' },
  balancer: { type: 'string' },
  provider: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  'toxiproxy-url': { type: 'string' },
  quiet: { type: 'boolean' },
  /** Accept a verdict of `unknown` (a check that could not be evaluated) instead of failing. */
  'allow-unknown': { type: 'boolean' },
} as const;

export interface OverrideFlags {
  duration?: string;
  users?: string;
  connections?: string;
  nodes?: string;
  strategy?: string;
  balancer?: string;
  provider?: string;
  requests?: string;
  rate?: string;
  seed?: string;
}

export function applyOverrides(scenario: Record<string, any>, flags: OverrideFlags): Record<string, any> {
  const out = structuredClone(scenario);
  out.topology ??= {};
  out.workload ??= {};
  if (flags.duration !== undefined) {
    try {
      parseDuration(flags.duration);
    } catch (error) {
      throw new InvalidInputError(`--duration: ${(error as Error).message}`);
    }
    out.workload.duration = flags.duration;
  }
  const users = intFlag('users', flags.users);
  if (users !== undefined) out.workload.users = users;
  const connections = intFlag('connections', flags.connections);
  if (connections !== undefined) out.workload.connections = connections;
  const nodes = intFlag('nodes', flags.nodes);
  if (nodes !== undefined) {
    if (nodes > 16) throw new InvalidInputError(`--nodes ${nodes}: at most 16 nodes`);
    out.topology.nodes = nodes;
  }
  const requests = intFlag('requests', flags.requests);
  if (requests !== undefined) out.workload.requests = requests;
  const seed = intFlag('seed', flags.seed, 0);
  if (seed !== undefined) out.seed = seed;
  if (flags.rate !== undefined) {
    const rate = Number(flags.rate);
    if (!(rate > 0)) throw new InvalidInputError(`--rate ${JSON.stringify(flags.rate)}: expected a positive number of requests per second`);
    out.workload.rate = rate;
  }
  if (flags.strategy !== undefined) {
    if (!strategyNames.includes(flags.strategy)) {
      throw new InvalidInputError(`--strategy ${JSON.stringify(flags.strategy)}: use one of ${strategyNames.join(', ')}`);
    }
    out.topology.strategy = flags.strategy;
    // The strategy chooses its balancer unless --balancer says otherwise.
    if (flags.balancer === undefined) delete out.topology.balancer;
  }
  if (flags.balancer !== undefined) {
    if (flags.balancer !== 'nginx' && flags.balancer !== 'haproxy') {
      throw new InvalidInputError(`--balancer ${JSON.stringify(flags.balancer)}: use nginx or haproxy`);
    }
    out.topology.balancer = flags.balancer;
  }
  if (flags.provider !== undefined) {
    if (!['local', 'docker', 'external'].includes(flags.provider)) {
      throw new InvalidInputError(`--provider ${JSON.stringify(flags.provider)}: use local or docker`);
    }
    out.topology.provider = flags.provider;
  }
  // A shorter run keeps its faults at the same fraction of the run.
  return out;
}
