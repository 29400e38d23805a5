/** After the run(s): thresholds, result.json and report.html for each run (and the median of a repeat). */
import { join } from 'node:path';
import type { RunResult, ThresholdResult } from '../results/result-schema.js';
import { writeResultFile } from '../results/result-file.js';
import { evaluateThresholds } from '../gate/threshold-evaluate.js';
import { computeMedianResult } from '../gate/median-result.js';
import { writeReport } from '../report/write-report.js';
import type { RunOutcome } from './run-scenario.js';
import type { Scenario } from '../scenario/scenario-schema.js';

export function thresholdVerdict(results: ThresholdResult[]): boolean | null {
  if (results.some((r) => r.passed === false)) return false;
  if (results.length > 0 && results.every((r) => r.passed === true)) return true;
  return results.length === 0 ? null : results.some((r) => r.passed === null) ? null : true;
}

export function applyThresholds(result: RunResult): RunResult {
  const thresholds = (result.scenarioConfig as Partial<Scenario>).thresholds ?? {};
  if (Object.keys(thresholds).length === 0) return result;
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
  return { ...result, thresholds: { passed: thresholdVerdict(results), results } };
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
  const median = applyThresholds(computeMedianResult(results));
  const resultPath = join(options.outDir, 'result.json');
  const reportPath = join(options.outDir, 'report.html');
  await writeResultFile(resultPath, median);
  await writeReport([median, ...results], reportPath);
  options.log(`median of ${results.length} runs written to ${resultPath}`);
  return { result: median, paths: { result: resultPath, report: reportPath }, aborted };
}
