/** Validates a scenario completely before anything starts and lists every problem at once. */
import { InvalidInputError } from '../errors.js';
import { findStrategy, strategyNames } from '../strategies/strategy-registry.js';
import { findFault, faultTypes } from '../faults/fault-registry.js';
import { scenarioSchema, type Scenario, type FaultSpec } from './scenario-schema.js';
import { parseDuration, parseTimePoint } from './duration.js';

export interface ValidatedScenario {
  scenario: Scenario;
  /** Faults parsed by their own kind's schema. */
  faults: FaultSpec[];
}

function issuePath(path: (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
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
export function validateScenario(input: unknown, origin = 'scenario'): ValidatedScenario {
  const problems: string[] = [];
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issuePath(issue.path)}: ${issue.message}`);
  }
  const strategyName = field(input, ['topology', 'strategy'], isString);
  const strategy = strategyName === undefined ? undefined : findStrategy(strategyName);
  if (strategyName !== undefined && !strategy) {
    problems.push(`topology.strategy: unknown strategy "${strategyName}": use one of ${strategyNames.join(', ')}`);
  }
  const mode = field(input, ['workload', 'mode'], isString) ?? 'visits';
  const users = field(input, ['workload', 'users'], isInt);
  const connections = field(input, ['workload', 'connections'], isInt);
  const burstSize = field(input, ['workload', 'burstSize'], isInt) ?? 10;
  if (mode === 'visits' && users !== undefined && connections !== undefined && users < connections) {
    problems.push(`workload.users (${users}) must be >= workload.connections (${connections}): each user has at most one request in flight`);
  }
  if (mode === 'bursts' && connections !== undefined && connections < burstSize) {
    problems.push(`workload.connections (${connections}) must be >= workload.burstSize (${burstSize}) so a burst is really simultaneous`);
  }
  const durationText = field(input, ['workload', 'duration'], isString);
  let durationMs: number | undefined;
  try {
    durationMs = durationText === undefined ? undefined : parseDuration(durationText);
  } catch {
    durationMs = undefined; // reported by the schema
  }
  const nodes = field(input, ['topology', 'nodes'], isInt) ?? 3;
  const nodeNames = Array.from({ length: Math.max(0, Math.min(nodes, 16)) }, (_, i) => `node-${i + 1}`);
  const proxies = field(input, ['topology', 'proxies'], (v): v is boolean | string => typeof v === 'boolean' || typeof v === 'string') ?? 'auto';
  const rawFaults = field(input, ['faults'], Array.isArray) ?? [];
  const faults: FaultSpec[] = [];
  rawFaults.forEach((raw: unknown, i: number) => {
    const type = field(raw, ['type'], isString);
    if (type === undefined) return; // reported by the schema
    const kind = findFault(type);
    if (!kind) {
      problems.push(`faults[${i}].type: unknown fault "${type}": use one of ${faultTypes().join(', ')}`);
      return;
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
    const targetProblem = kind.checkTarget(spec, { nodeNames, hasRedis: strategy?.needsRedis ?? false });
    if (targetProblem) problems.push(`faults[${i}].target: ${targetProblem}`);
    if (kind.links(spec).length > 0 && (proxies === false || proxies === 'none')) {
      problems.push(`faults[${i}]: ${type} goes through Toxiproxy: set topology.proxies to 'auto' or 'all'`);
    }
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
    }
    if (healAt !== undefined && healAt <= at) problems.push(`faults[${i}].restoreAt: must be after at (${spec.at})`);
    faults.push(spec);
  });
  if (problems.length > 0 || !parsed.success) {
    throw new InvalidInputError(`${origin}: invalid scenario — ${problems.join('; ')}`, problems);
  }
  return { scenario: parsed.data, faults };
}
