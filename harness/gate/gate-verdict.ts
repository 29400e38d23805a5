/**
 * Builds the gate verdict from a result: its thresholds (recorded at run time and
 * re-evaluated from scenarioConfig), --threshold flags, and regressions against baselines.
 * Pure: no I/O, so the CLI and tests share it.
 */
import { InvalidInputError } from '../errors.js';
import type { RunResult, ThresholdResult } from '../results/result-schema.js';
import { evaluateThresholds, type ThresholdSpec } from '../thresholds/threshold-evaluate.js';
import { formatThresholdValue, parseThresholdExpression } from '../thresholds/threshold-expression.js';
import { compareToBaselines, type MaxRegression } from './regression.js';
import { GATE_SCHEMA_ID, type GateCheck, type GateVerdict } from './gate-types.js';
import { baselineDifferences, type LoadedBaseline } from './baseline-loader.js';
import { builtinChecks } from '../checks/run-checks.js';

export interface GateInput {
  result: RunResult;
  resultPath: string;
  cliThresholds?: ThresholdSpec;
  baselines?: LoadedBaseline[];
  /** Required when baselines are given. */
  maxRegression?: MaxRegression;
  /** Unknown checks pass instead of failing the gate (--allow-unknown). */
  allowUnknown?: boolean;
  now?: Date;
}

export function buildGateVerdict(input: GateInput): GateVerdict {
  const { result } = input;
  // The built-in checks are recomputed from the result (a pure function of it), so a result
  // written by an older version, or edited, is judged the same way.
  const checks: GateCheck[] = [
    ...builtinChecks(result).map((t) => thresholdCheck(t, 'builtin')),
    ...runThresholdChecks(result),
    ...evaluateThresholds(result, input.cliThresholds ?? {}, 'cli').map((t) => thresholdCheck(t, 'cli')),
  ];
  const baselines = input.baselines ?? [];
  if (baselines.length > 0) {
    checks.push(...compareToBaselines(result, baselines.map((b) => b.result), input.maxRegression ?? {}));
  }
  const counts = {
    passed: checks.filter((c) => c.passed === true).length,
    failed: checks.filter((c) => c.passed === false).length,
    unknown: checks.filter((c) => c.passed === null).length,
  };
  const warnings = baselines.flatMap((b) => {
    const diffs = baselineDifferences(b.result, result);
    return diffs.length > 0 ? [`baseline ${b.path} ran with another setup: ${diffs.join('; ')}`] : [];
  });
  const allowUnknown = input.allowUnknown === true;
  return {
    schema: GATE_SCHEMA_ID,
    passed: counts.failed === 0 && (allowUnknown || counts.unknown === 0),
    allowUnknown,
    checkedAt: (input.now ?? new Date()).toISOString(),
    result: { path: input.resultPath, runId: result.runId, scenario: result.scenario },
    baselines: baselines.map((b) => ({ path: b.path, runId: b.result.runId })),
    maxRegression: baselines.length > 0 ? { ...(input.maxRegression ?? {}) } : null,
    counts,
    warnings,
    checks,
  };
}

const key = (metric: string, expression: string) => `${metric}\u0000${expression.replace(/\s+/g, '')}`;

/**
 * The scenario's thresholds, re-evaluated on the result, merged with those the run recorded.
 * When both judge the same expression, a failure on either side wins (the run may have
 * seen a live abortOnFail failure the final numbers no longer show), then a pass.
 */
function runThresholdChecks(result: RunResult): GateCheck[] {
  const spec = result.scenarioConfig.thresholds;
  if (spec !== undefined && (typeof spec !== 'object' || spec === null || Array.isArray(spec))) {
    throw new InvalidInputError(`result ${result.runId}: scenarioConfig.thresholds must be an object of metric -> expressions`);
  }
  let reevaluated: ThresholdResult[] = [];
  try {
    reevaluated = spec ? evaluateThresholds(result, spec as ThresholdSpec, 'scenario') : [];
  } catch (error) {
    throw new InvalidInputError(`result ${result.runId}: scenarioConfig.thresholds: ${(error as Error).message}`);
  }
  const recorded = new Map(
    (result.thresholds?.results ?? []).filter((t) => t.source !== 'builtin').map((t) => [key(t.metric, t.expression), t]),
  );
  const checks: GateCheck[] = [];
  for (const fresh of reevaluated) {
    const k = key(fresh.metric, fresh.expression);
    const old = recorded.get(k);
    recorded.delete(k);
    if (old && old.passed !== fresh.passed && (old.passed === false || fresh.passed === null)) {
      const merged: ThresholdResult = {
        ...fresh,
        passed: old.passed,
        actual: old.actual ?? fresh.actual,
        message: `${old.message ?? `recorded ${String(old.passed)}`} (recorded by the run; re-evaluated: ${fresh.message ?? String(fresh.passed)})`,
      };
      checks.push(thresholdCheck(merged, 'scenario'));
    } else {
      checks.push(thresholdCheck(fresh, 'scenario'));
    }
  }
  for (const old of recorded.values()) checks.push(thresholdCheck(old, old.source === 'cli' ? 'cli' : 'run'));
  return checks;
}

function thresholdCheck(t: ThresholdResult, source: GateCheck['source']): GateCheck {
  let shown = t.actual === null ? (t.passed === null ? '?' : 'never') : String(t.actual);
  try {
    const parsed = parseThresholdExpression(t.metric, t.expression);
    if (t.actual !== null) shown = formatThresholdValue(parsed.kind, t.actual);
  } catch {
    // A recorded expression this version cannot parse: show the raw number.
  }
  return {
    kind: source === 'builtin' ? 'check' : 'threshold',
    metric: t.metric,
    expression: t.expression,
    source,
    actual: t.actual,
    baseline: null,
    limit: null,
    passed: t.passed,
    message: t.message ?? (t.passed === null ? 'unknown' : `${t.expression}: ${t.passed ? 'passed' : 'failed'}`),
    display: { expression: t.expression, actual: shown, baseline: '' },
  };
}
