/** After the run(s): thresholds, built-in checks, verdict, result.json and report.html for each run (and the median of a repeat). */
import { join } from 'node:path';
import type { RunResult, ThresholdResult } from '../results/result-schema.js';
import { writeResultFile } from '../results/result-file.js';
import { evaluateThresholds } from '../thresholds/threshold-evaluate.js';
import { computeMedianResult } from '../results/median-result.js';
import { builtinChecks, runVerdict } from '../checks/run-checks.js';
import { writeReport } from '../report/write-report.js';
import type { RunOutcome } from './run-scenario.js';
import type { Scenario } from '../scenario/scenario-schema.js';

export function thresholdVerdict(results: ThresholdResult[]): boolean | null {
  if (results.some((r) => r.passed === false)) return false;
  if (results.some((r) => r.passed === null)) return null;
  return results.length === 0 ? null : true;
}

/** The scenario's thresholds and the built-in checks, evaluated on the result, and its verdict. */
export function applyThresholds(result: RunResult): RunResult {
  const thresholds = (result.scenarioConfig as Partial<Scenario>).thresholds ?? {};
  const results = evaluateThresholds(result, thresholds, 'scenario');
  // A threshold that stopped the run (abortOnFail) failed, whatever the shortened run says.
  const abort = result.thresholdAbort as { metric: string; expression: string; message: string } | undefined;
  if (abort) {
    for (const r of results) {
      if (r.metric === abort.metric && r.expression === abort.expression) {
        r.passed = false;
        r.message = `aborted the run: ${abort.message}`;
      }
    }
  }
  results.push(...builtinChecks(result));
  return { ...withThresholdEvidence(result, results), thresholds: { passed: thresholdVerdict(results), results }, verdict: runVerdict(results) };
}

/** Each failed threshold points at the kinds the logs showed over the whole load (result.evidence.windows). */
function withThresholdEvidence(result: RunResult, thresholds: readonly ThresholdResult[]): RunResult {
  const evidence = result.evidence;
  if (!evidence) return result;
  const failed = thresholds.filter((t) => t.passed === false && t.metric !== 'environment');
  const windows = failed.map((t) => ({
    label: `${t.source === 'builtin' ? 'check' : 'threshold'} ${t.metric} ${t.expression} failed`,
    reason: 'threshold' as const,
    fromMs: 0,
    toMs: result.durationMs,
    top: evidence.overall,
  }));
  return { ...result, evidence: { ...evidence, windows: [...evidence.windows.filter((w) => w.reason !== 'threshold'), ...windows] } };
}

/** Speed is judged on the median; everything else (sessions, leaks, errors, checks) per run. */
const judgedOnMedian = new Set(['latency', 'rps']);

/**
 * The verdict of a --repeat: latency and throughput thresholds from the median result; every
 * other threshold and check from the runs themselves, worst first — one run that loses a
 * session fails the repeat, whatever the median says.
 */
export function repeatVerdict(median: RunResult, runs: RunResult[]): RunResult {
  const results: ThresholdResult[] = (median.thresholds?.results ?? []).filter((r) => judgedOnMedian.has(r.metric));
  const seen = new Set<string>();
  for (const run of runs) {
    for (const r of run.thresholds?.results ?? []) {
      if (judgedOnMedian.has(r.metric)) continue;
      const key = `${r.metric}\u0000${r.expression}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const perRun = runs.map((x) => ({ runId: x.runId, r: x.thresholds?.results.find((y) => `${y.metric}\u0000${y.expression}` === key) }));
      const worst = perRun.find((p) => p.r?.passed === false) ?? perRun.find((p) => p.r === undefined || p.r.passed === null) ?? perRun[0]!;
      const w = worst.r ?? { ...r, actual: null, passed: null, message: 'not evaluated in this run' };
      results.push({ ...w, message: `run ${worst.runId}: ${w.message ?? String(w.passed)} (judged per run, worst of ${runs.length})` });
    }
  }
  const verdict = runVerdict(results);
  return {
    ...median,
    thresholds: { passed: thresholdVerdict(results), results },
    verdict: { ...verdict, runs: runs.map((r) => ({ runId: r.runId, status: r.verdict?.status ?? 'unknown' })) },
  };
}

export interface FinishedRun {
  result: RunResult;
  paths: { result: string; report: string };
  aborted: boolean;
}

export async function finishRun(
  outcomes: RunOutcome[],
  options: { outDir: string; repeat: number; log: (m: string) => void },
): Promise<FinishedRun> {
  const results: RunResult[] = [];
  for (const outcome of outcomes) {
    const result = applyThresholds(outcome.result);
    results.push(result);
    await writeResultFile(outcome.resultPath, result);
    await writeReport([result], join(outcome.resultPath, '..', 'report.html'));
  }
  const aborted = outcomes.some((o) => o.aborted);
  if (results.length === 1) {
    const only = outcomes[0]!;
    return { result: results[0]!, paths: { result: only.resultPath, report: join(only.resultPath, '..', 'report.html') }, aborted };
  }
  const median = repeatVerdict(applyThresholds(computeMedianResult(results)), results);
  const resultPath = join(options.outDir, 'result.json');
  const reportPath = join(options.outDir, 'report.html');
  await writeResultFile(resultPath, median);
  await writeReport([median, ...results], reportPath);
  options.log(`median of ${results.length} runs written to ${resultPath}`);
  return { result: median, paths: { result: resultPath, report: reportPath }, aborted };
}
