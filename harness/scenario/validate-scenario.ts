/** Validates a scenario completely before anything starts and lists every problem at once. */
import { z } from 'zod';
import { InvalidInputError } from '../errors.js';
import { findStrategy, strategyNames } from '../strategies/strategy-registry.js';
import { findFault, faultTypes } from '../faults/fault-registry.js';
import { durationProblem, scenarioLimits, scenarioSchema, type Scenario, type FaultSpec } from './scenario-schema.js';
import { parseDuration, parseTimePoint } from './duration.js';
import { dataPath, toPlainData } from './plain-data.js';
import { oneLine, quoted } from '../util/one-line.js';
import { journeyProblems } from '../journey/validate-journey.js';
import { externalSettingsSchema } from '../topology/external/external-settings.js';
import { externalFaultProblems, externalNodeNames, externalTopologyProblems, externalView } from '../topology/external/external-rules.js';

export interface ValidatedScenario {
  scenario: Scenario;
  /** Faults parsed by their own kind's schema. */
  faults: FaultSpec[];
}

const issuePath = dataPath;

/** A share of the run is rounded to whole ms at each end: 80% + 20% may land 1 ms after the end. */
const roundingMs = 1;

/** The attributes a fault kind accepts (its zod object's keys), or null when its schema is not an object. */
function faultAttributes(schema: unknown): string[] | null {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : null;
}

/** Reads a field of a not-yet-valid scenario, or undefined when it has another type. */
function field<T>(value: unknown, path: string[], guard: (v: unknown) => v is T): T | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return guard(current) ? current : undefined;
}
const isString = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Validates a scenario completely before anything starts and lists every problem at once:
 * the schema's, and the checks across fields (strategy, users vs connections, each fault's
 * own attributes and target, fault times within the run) — the latter also when the schema
 * already failed, on whatever fields have the right type.
 */
export function validateScenario(rawInput: unknown, origin = 'scenario'): ValidatedScenario {
  origin = oneLine(origin);
  // Bounded plain data first: every step below recurses into the input.
  const input = toPlainData(rawInput, origin);
  const problems: string[] = [];
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issuePath(issue.path)}: ${issue.message}`);
  }
  const strategyName = field(input, ['topology', 'strategy'], isString);
  const strategy = strategyName === undefined ? undefined : findStrategy(strategyName);
  if (strategyName !== undefined && !strategy) {
    problems.push(`topology.strategy: unknown strategy ${quoted(strategyName)}: use one of ${strategyNames.join(', ')}`);
  }
  const clusterStrategy = strategy?.storage === 'rediscluster';
  const clusterInput = field(input, ['topology', 'redis', 'cluster'], (v): v is object => typeof v === 'object' && v !== null);
  // With a redis strategy the cluster settings are left unused (so `compare --strategies
  // redis,rediscluster` runs one scenario); a strategy without Redis has no use for them at all.
  if (clusterInput !== undefined && strategy && !strategy.needsRedis) {
    problems.push(`topology.redis.cluster: strategy ${quoted(strategy.name)} stores no session in Redis: remove it or use a rediscluster strategy (rediscluster, rediscluster-distribute)`);
  }
  const provider = field(input, ['topology', 'provider'], isString) ?? 'local';
  const clusterNodeCount = (field(clusterInput, ['masters'], isInt) ?? 3) * (1 + (field(clusterInput, ['replicas'], isInt) ?? 1));
  const redisClusterNodes = clusterStrategy ? Array.from({ length: Math.max(0, Math.min(clusterNodeCount, 96)) }, (_, i) => `redis-${i + 1}`) : null;
  const mode = field(input, ['workload', 'mode'], isString) ?? 'visits';
  const users = field(input, ['workload', 'users'], isInt);
  const connections = field(input, ['workload', 'connections'], isInt);
  const burstSize = field(input, ['workload', 'burstSize'], isInt) ?? 10;
  if (mode === 'visits' && users !== undefined && connections !== undefined && users < connections) {
    problems.push(`workload.users (${users}) must be >= workload.connections (${connections}): each user has at most one request in flight`);
  }
  if (mode === 'journey' && users !== undefined && connections !== undefined && users < connections) {
    problems.push(`workload.users (${users}) must be >= workload.connections (${connections}): each user has at most one request in flight`);
  }
  problems.push(...journeyProblems(field(input, ['workload'], (v): v is object => typeof v === 'object' && v !== null)));
  if (field(input, ['topology', 'app'], (v): v is object => typeof v === 'object' && v !== null) !== undefined) {
    if (mode !== 'journey') problems.push(`topology.app: the built-in checker reads only the built-in app's answers: use workload.mode 'journey' with your app (docs/your-app.md)`);
    if (provider === 'external') problems.push(`topology.app: provider "external" starts no node to serve it: the deployment runs your app; remove topology.app`);
  }
  if (mode === 'bursts' && connections !== undefined && connections < burstSize) {
    problems.push(`workload.connections (${connections}) must be >= workload.burstSize (${burstSize}) so a burst is really simultaneous`);
  }
  const durationText = field(input, ['workload', 'duration'], isString);
  let durationMs: number | undefined;
  // Out of bounds or not a duration: reported by the schema, and no time is checked against it.
  if (durationText !== undefined && durationProblem(durationText, scenarioLimits.maxRunMs) === null) durationMs = parseDuration(durationText);
  const nodes = field(input, ['topology', 'nodes'], isInt) ?? 3;
  // An external deployment's nodes have the names its app reports (topology.external.nodes).
  const externalInput = field(input, ['topology', 'external'], (v): v is unknown => v !== undefined);
  const externalParsed = provider === 'external' && externalInput !== undefined ? externalSettingsSchema.safeParse(externalInput) : null;
  const external = provider === 'external' ? externalView(externalInput, externalParsed?.success ? externalParsed.data : null) : null;
  problems.push(...externalTopologyProblems({ provider, topology: field(input, ['topology'], (v): v is unknown => true), settings: external, strategy, serialization: field(input, ['serialization'], (v): v is unknown => v !== undefined) !== undefined }));
  const nodeNames = external ? externalNodeNames(external) : Array.from({ length: Math.max(0, Math.min(nodes, 16)) }, (_, i) => `node-${i + 1}`);
  const proxies = field(input, ['topology', 'proxies'], (v): v is boolean | string => typeof v === 'boolean' || typeof v === 'string') ?? 'auto';
  const rawFaults = field(input, ['faults'], Array.isArray) ?? [];
  const faults: FaultSpec[] = [];
  rawFaults.forEach((raw: unknown, i: number) => {
    const type = field(raw, ['type'], isString);
    if (type === undefined) return; // reported by the schema
    const kind = findFault(type);
    if (!kind) {
      problems.push(`faults[${i}].type: unknown fault ${quoted(type)}: use one of ${faultTypes().join(', ')}`);
      return;
    }
    // Every attribute must be one the fault kind knows: a misspelt "latncy" would otherwise
    // be ignored silently and the fault run with its default.
    const allowed = faultAttributes(kind.schema);
    if (allowed) {
      const unknown = Object.keys(raw as object).filter((key) => !allowed.includes(key));
      for (const key of unknown) {
        problems.push(`${issuePath(['faults', i, key])}: unknown attribute of a ${type} fault: use ${allowed.join(', ')}`);
      }
      if (unknown.length > 0) return;
    }
    const result = kind.schema.safeParse({ target: kind.defaultTarget, ...(raw as object) });
    if (!result.success) {
      // Generic fields (at, duration, ...) are already reported by the scenario schema.
      const generic = new Set(['at', 'duration', 'restoreAt']);
      for (const issue of result.error.issues) {
        if (!parsed.success && generic.has(String(issue.path[0]))) continue;
        problems.push(`faults[${i}].${issuePath(issue.path)}: ${issue.message}`);
      }
      return;
    }
    const spec = result.data as FaultSpec;
    // Its partition is a relay of the local provider's loopback addresses (cluster-link-relay.ts).
    if (type === 'redis-master-partition' && provider !== 'local') {
      problems.push(`faults[${i}].type: provider ${quoted(provider)} cannot partition a Redis Cluster yet: use provider 'local' for redis-master-partition`);
    } else if (clusterStrategy && provider !== 'local' && kind.links(spec).includes('redis')) {
      // Its nodes announce their own addresses there: redirections would go around the proxies.
      problems.push(`faults[${i}].type: provider ${quoted(provider)} puts no proxy on a Redis Cluster's links yet: use provider 'local' for ${type} with a cluster`);
    }
    const targetProblem = kind.checkTarget(spec, { nodeNames, hasRedis: (strategy?.needsRedis ?? false) && !clusterStrategy, redisClusterNodes });
    if (external) problems.push(...externalFaultProblems(i, spec, kind, external));
    if (targetProblem) problems.push(`faults[${i}].target: ${targetProblem}`);
    if (kind.links(spec).length > 0 && (proxies === false || proxies === 'none')) {
      problems.push(`faults[${i}]: ${type} goes through Toxiproxy: set topology.proxies to 'auto' or 'all'`);
    }
    if (spec.restoreAt !== undefined && spec.duration !== undefined) {
      problems.push(`faults[${i}].restoreAt: give duration or restoreAt, not both`);
      return;
    }
    const healField = spec.restoreAt !== undefined ? 'restoreAt' : 'duration';
    let at: number;
    let healAt: number | undefined;
    try {
      at = parseTimePoint(spec.at, durationMs);
      healAt = spec.restoreAt
        ? parseTimePoint(spec.restoreAt, durationMs)
        : spec.duration
          ? at + parseTimePoint(spec.duration, durationMs)
          : undefined;
    } catch (error) {
      problems.push(`faults[${i}]: ${(error as Error).message}`);
      return;
    }
    if (durationMs !== undefined && at >= durationMs) {
      problems.push(`faults[${i}].at: ${spec.at} is not before the end of the run (${durationText}): use a smaller at or a longer duration`);
    } else if (healAt !== undefined && healAt <= at) {
      problems.push(
        healField === 'restoreAt'
          ? `faults[${i}].restoreAt: must be after at (${spec.at})`
          : `faults[${i}].duration: ${spec.duration} is not more than 0: give a positive duration`,
      );
    } else if (healAt !== undefined && durationMs !== undefined && healAt > durationMs + roundingMs) {
      // The schedule would never heal it within the run (it is healed at teardown): say so
      // instead of running something other than what the scenario describes.
      const when = healField === 'restoreAt' ? `restoreAt ${spec.restoreAt}` : `at ${spec.at} + duration ${spec.duration}`;
      problems.push(
        `faults[${i}].${healField}: ${when} ends after the run (${durationText}): shorten it, or leave out duration and restoreAt to keep the fault until the end of the run`,
      );
    }
    faults.push(spec);
  });
  if (problems.length > 0 || !parsed.success) {
    // zod's own messages echo the bad value raw (e.g. an enum's "received '\r'"): one line always.
    const lines = problems.map(oneLine);
    throw new InvalidInputError(`${origin}: invalid scenario — ${lines.join('; ')}`, lines);
  }
  return { scenario: parsed.data, faults };
}
