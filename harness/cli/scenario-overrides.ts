/** CLI flags that override a scenario (before validation, so bad values name the flag). */
import { InvalidInputError } from '../errors.js';
import { intFlag } from './cli-support.js';
import { strategyNames } from '../strategies/strategy-registry.js';
import { connectionReusePresets } from '../topology/connection-reuse.js';
import { durationProblem, scenarioLimits } from '../scenario/scenario-schema.js';
import { quoted } from '../util/one-line.js';
import { balancerNames, findBalancer } from '../topology/balancers/balancer-registry.js';
import { providerNames } from '../topology/provider-names.js';


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
  /** topology.connectionReuse preset: stock | production | none. */
  'connection-reuse': { type: 'string' },
  /** topology.redis.persistence: none | rdb | aof. */
  'redis-persistence': { type: 'string' },
  /** topology.redis.timeout and readTimeout together: seconds, or 'default' (phpredis's own). */
  'redis-timeout': { type: 'string' },
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
  'connection-reuse'?: string;
  'redis-persistence'?: string;
  'redis-timeout'?: string;
}

export const redisPersistenceNames = ['none', 'rdb', 'aof'] as const;

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function applyOverrides(scenario: Record<string, any>, flags: OverrideFlags): Record<string, any> {
  if (!isObject(scenario)) throw new InvalidInputError(`the scenario is ${scenario === null ? 'null' : Array.isArray(scenario) ? 'an array' : `a ${typeof scenario}`}: it must be an object`);
  const out = structuredClone(scenario);
  out.topology ??= {};
  out.workload ??= {};
  // A topology or workload of the wrong type stays as it is, for validation to name.
  const topology = (): Record<string, any> => (isObject(out.topology) ? out.topology : {});
  const workload = (): Record<string, any> => (isObject(out.workload) ? out.workload : {});
  if (flags.duration !== undefined) {
    const problem = durationProblem(flags.duration, scenarioLimits.maxRunMs);
    if (problem) throw new InvalidInputError(`--duration: ${problem}`);
    workload().duration = flags.duration;
  }
  const users = intFlag('users', flags.users, 1, 1_000_000);
  if (users !== undefined) workload().users = users;
  const connections = intFlag('connections', flags.connections, 1, 4096);
  if (connections !== undefined) workload().connections = connections;
  const nodes = intFlag('nodes', flags.nodes, 1, 16);
  if (nodes !== undefined) topology().nodes = nodes;
  const requests = intFlag('requests', flags.requests, 1, 100_000_000);
  if (requests !== undefined) workload().requests = requests;
  const seed = intFlag('seed', flags.seed, 0, scenarioLimits.maxSeed);
  if (seed !== undefined) out.seed = seed;
  if (flags.rate !== undefined) {
    const rate = /^[0-9]+(\.[0-9]+)?$/.test(flags.rate) ? Number(flags.rate) : Number.NaN;
    if (!(rate > 0 && rate <= 1_000_000)) {
      throw new InvalidInputError(`--rate ${quoted(flags.rate)}: expected a positive number of requests per second, at most 1000000`);
    }
    workload().rate = rate;
  }
  if (flags.strategy !== undefined) {
    if (!strategyNames.includes(flags.strategy)) {
      throw new InvalidInputError(`--strategy ${quoted(flags.strategy)}: use one of ${strategyNames.join(', ')}`);
    }
    topology().strategy = flags.strategy;
    // The strategy chooses its balancer unless --balancer says otherwise.
    if (flags.balancer === undefined) delete topology().balancer;
  }
  if (flags.balancer !== undefined) {
    if (!findBalancer(flags.balancer)) {
      throw new InvalidInputError(`--balancer ${quoted(flags.balancer)}: use one of ${balancerNames.join(', ')}`);
    }
    topology().balancer = flags.balancer;
  }
  if (flags.provider !== undefined) {
    if (!(providerNames as readonly string[]).includes(flags.provider)) {
      throw new InvalidInputError(`--provider ${quoted(flags.provider)}: use one of ${providerNames.join(', ')}`);
    }
    topology().provider = flags.provider;
  }
  if (flags['connection-reuse'] !== undefined) {
    const preset = flags['connection-reuse'];
    if (!(connectionReusePresets as readonly string[]).includes(preset)) {
      throw new InvalidInputError(`--connection-reuse ${JSON.stringify(preset)}: use one of ${connectionReusePresets.join(', ')}`);
    }
    if (typeof out.topology === 'object' && out.topology !== null && !Array.isArray(out.topology)) out.topology.connectionReuse = preset;
  }
  if (flags['redis-persistence'] !== undefined) {
    const persistence = flags['redis-persistence'];
    if (!(redisPersistenceNames as readonly string[]).includes(persistence)) {
      throw new InvalidInputError(`--redis-persistence ${quoted(persistence)}: use one of ${redisPersistenceNames.join(', ')}`);
    }
    const t = topology();
    t.redis = isObject(t.redis) ? { ...t.redis, persistence } : { persistence };
  }
  if (flags['redis-timeout'] !== undefined) {
    const text = flags['redis-timeout'];
    const seconds = /^[0-9]{1,3}(\.[0-9]{1,3})?$/.test(text) ? Number(text) : Number.NaN;
    if (text !== 'default' && !(seconds > 0 && seconds <= 600)) {
      throw new InvalidInputError(`--redis-timeout ${quoted(text)}: expected seconds (e.g. 1 or 0.5, at most 600) or "default" (phpredis's own: no read timeout)`);
    }
    const value = text === 'default' ? 'default' : seconds;
    const t = topology();
    t.redis = { ...(isObject(t.redis) ? t.redis : {}), timeout: value, readTimeout: value };
  }
  // A shorter run keeps its faults at the same fraction of the run.
  return out;
}
