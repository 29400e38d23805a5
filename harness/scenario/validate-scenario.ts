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

export function validateScenario(input: unknown, origin = 'scenario'): ValidatedScenario {
  const problems: string[] = [];
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issuePath(issue.path)}: ${issue.message}`);
    throw new InvalidInputError(`${origin}: invalid scenario — ${problems.join('; ')}`, problems);
  }
  const scenario = parsed.data;
  const strategy = findStrategy(scenario.topology.strategy);
  if (!strategy) problems.push(`topology.strategy: unknown strategy "${scenario.topology.strategy}": use one of ${strategyNames.join(', ')}`);
  const w = scenario.workload;
  if (w.mode === 'visits' && w.users < w.connections) {
    problems.push(`workload.users (${w.users}) must be >= workload.connections (${w.connections}): each user has at most one request in flight`);
  }
  if (w.mode === 'bursts' && w.connections < w.burstSize) {
    problems.push(`workload.connections (${w.connections}) must be >= workload.burstSize (${w.burstSize}) so a burst is really simultaneous`);
  }
  const durationMs = w.duration ? parseDuration(w.duration) : undefined;
  const nodeNames = Array.from({ length: scenario.topology.nodes }, (_, i) => `node-${i + 1}`);
  const faults: FaultSpec[] = [];
  scenario.faults.forEach((raw, i) => {
    const kind = findFault(raw.type);
    if (!kind) {
      problems.push(`faults[${i}].type: unknown fault "${raw.type}": use one of ${faultTypes().join(', ')}`);
      return;
    }
    const result = kind.schema.safeParse({ target: kind.defaultTarget, ...raw });
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`faults[${i}].${issuePath(issue.path)}: ${issue.message}`);
      return;
    }
    const spec = result.data as FaultSpec;
    const targetProblem = kind.checkTarget(spec, { nodeNames, hasRedis: strategy?.needsRedis ?? false });
    if (targetProblem) problems.push(`faults[${i}].target: ${targetProblem}`);
    const proxies = scenario.topology.proxies;
    if (kind.links(spec).length > 0 && (proxies === false || proxies === 'none')) {
      problems.push(`faults[${i}]: ${raw.type} goes through Toxiproxy: set topology.proxies to 'auto' or 'all'`);
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
      problems.push(`faults[${i}].at: ${spec.at} is not before the end of the run (${w.duration}): use a smaller at or a longer duration`);
    }
    if (healAt !== undefined && healAt <= at) problems.push(`faults[${i}].restoreAt: must be after at (${spec.at})`);
    faults.push(spec);
  });
  if (problems.length > 0) throw new InvalidInputError(`${origin}: invalid scenario — ${problems.join('; ')}`, problems);
  return { scenario, faults };
}
