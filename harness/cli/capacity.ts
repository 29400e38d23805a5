/**
 * npm run capacity -- <scenario> --target-rps R --p99 250ms [options]
 * Measures the knee per node count, the service demand per tier, fits the USL and writes the
 * plan: DIR/capacity.json and DIR/capacity.html.
 * Exit: 0 plan written and validated (reachable or not: the plan says) · 99 plan written but its
 * validation failed or could not be computed (the figures rest on an unchecked model) · 104
 * invalid input · 105 missing dependency · 1 error.
 */
import { join, resolve } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { abortOnSignals, runMain } from './cli-support.js';
import { checkOutputDir, writeOutputs } from './output-paths.js';
import { loadScenarioModule, resolveScenarioFile } from '../scenario/scenario-loader.js';
import { validateScenario } from '../scenario/validate-scenario.js';
import { projectRoot } from '../util/project-root.js';
import { capacityUsage, parseCapacityArgs } from '../capacity/capacity-options.js';
import { runCapacity } from '../capacity/run-capacity.js';
import { capacitySchema } from '../capacity/capacity-schema.js';
import { renderCapacityReport } from '../capacity/render-capacity.js';
import { formatCapacitySummary } from '../capacity/capacity-summary.js';

async function main(): Promise<number> {
  const options = parseCapacityArgs(process.argv.slice(2));
  if (options === null) {
    process.stdout.write(`${capacityUsage}\n`);
    return ExitCode.passed;
  }
  const raw = await loadScenarioModule(options.scenario);
  const { scenario } = validateScenario(raw, options.scenario);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const outDir = resolve(options.out ?? join(projectRoot, 'reports', `capacity-${scenario.name}-${stamp}`));
  await checkOutputDir(outDir, {
    label: options.out === undefined ? 'output directory' : '--out',
    inputs: [resolveScenarioFile(options.scenario).file],
    files: ['capacity.json', 'capacity.html'],
  });
  const controller = abortOnSignals();
  const log = (m: string) => process.stderr.write(`[capacity ${scenario.name}] ${m}\n`);
  log(`target ${options.targetRps} req/s at p99 < ${options.p99Ms} ms; node counts ${options.nodes.join(', ')}; steps of ${options.stepMs / 1000} s`);
  const result = capacitySchema.parse(
    await runCapacity({ options, scenario, signal: controller.signal, log, progress: options.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`) }),
  );
  const paths = { json: join(outDir, 'capacity.json'), html: join(outDir, 'capacity.html') };
  await writeOutputs([
    { path: paths.json, data: `${JSON.stringify(result, null, 2)}\n` },
    { path: paths.html, data: renderCapacityReport(result) },
  ]);
  process.stdout.write(formatCapacitySummary(result, paths));
  // A self-check that failed or could not be made is not a pass (k6's exit 99 for failed checks).
  if (result.validation.passed !== true) {
    process.stderr.write(
      `capacity: the plan's validation ${result.validation.passed === false ? 'failed' : 'could not be computed'} (${result.validation.note}); exit 99 — measure more steps (--max-steps, --step-duration) or read the plan as unchecked\n`,
    );
    return ExitCode.thresholdsFailed;
  }
  return ExitCode.passed;
}

await runMain(main);
