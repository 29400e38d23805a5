/**
 * npm run compare -- <scenario> --strategies files,affinity,redis [--out DIR] [overrides]
 * Runs the same scenario (same users, load, fault timeline, seed) once per strategy, writes
 * DIR/<strategy>/result.json and one DIR/report.html comparing them.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { abortOnSignals, runMain } from './cli-support.js';
import { applyOverrides, overrideOptions } from './scenario-overrides.js';
import { checkRunOutDir } from './output-paths.js';
import { InvalidInputError } from '../errors.js';
import { listScenarioNames, loadScenarioModule } from '../scenario/scenario-loader.js';
import { validateScenario } from '../scenario/validate-scenario.js';
import { runScenario } from '../runner/run-scenario.js';
import { finishRun } from '../runner/finish-run.js';
import { strategyNames } from '../strategies/strategy-registry.js';
import { writeReport } from '../report/write-report.js';
import { projectRoot } from '../util/project-root.js';
import { formatSummary } from '../runner/summary.js';
import { anomalyCount, type RunResult } from '../results/result-schema.js';

const usage = `usage: npm run compare -- <scenario> --strategies files,affinity,redis [--out DIR]
  [--duration 20s --users N --connections N --nodes N --requests N --rate R --balancer nginx|haproxy --provider local|docker --seed N --quiet --allow-unknown]
Exit 99 when a run's built-in checks fail, or a check could not be evaluated (unless --allow-unknown);
strategies failing the scenario's thresholds are the comparison's finding, not a failure.`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        ...overrideOptions,
        strategies: { type: 'string' },
      },
    });
  } catch (error) {
    throw new InvalidInputError(`${(error as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new InvalidInputError(`name one scenario: known scenarios are ${listScenarioNames().join(', ')}\n${usage}`);
  if (!values.strategies) throw new InvalidInputError(`--strategies is required, e.g. --strategies files,affinity,redis\n${usage}`);
  const strategies = values.strategies.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = strategies.filter((s) => !strategyNames.includes(s));
  if (unknown.length > 0 || strategies.length === 0) {
    throw new InvalidInputError(`--strategies: unknown strategy ${unknown.map((u) => `"${u}"`).join(', ')}: use some of ${strategyNames.join(', ')}`);
  }
  if (new Set(strategies).size !== strategies.length) throw new InvalidInputError('--strategies: a strategy is listed twice');
  const name = positionals[0]!;
  const raw = (await loadScenarioModule(name)) as Record<string, unknown>;
  // Validate every variant before anything starts.
  const variants = strategies.map((strategy) => {
    const input = applyOverrides(raw, { ...values, strategy });
    return { strategy, ...validateScenario(input, `${name} (${strategy})`) };
  });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const outDir = resolve(values.out ?? join(projectRoot, 'reports', `compare-${name}-${stamp}`));
  await checkRunOutDir(outDir, { out: values.out, scenario: name, subdirs: strategies });
  const toxiproxyUrl = values['toxiproxy-url'] ?? process.env.TOXIPROXY_URL;
  const controller = abortOnSignals();
  const results: RunResult[] = [];
  for (const variant of variants) {
    if (controller.signal.aborted) break;
    const log = (m: string) => process.stderr.write(`[${name}/${variant.strategy}] ${m}\n`);
    const outcome = await runScenario(variant.scenario, variant.faults, {
      outDir: join(outDir, variant.strategy),
      ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
      signal: controller.signal,
      log,
      progress: values.quiet ? null : (chunk) => process.stderr.write(chunk),
      tty: process.stderr.isTTY === true,
    });
    const finished = await finishRun([outcome], { outDir: join(outDir, variant.strategy), repeat: 1, log });
    process.stdout.write(formatSummary(finished.result, finished.paths));
    results.push(finished.result);
    if (finished.aborted) break;
  }
  const reportPath = join(outDir, 'report.html');
  await writeReport(results, reportPath, { title: `${name}: ${strategies.join(' vs ')}` });
  process.stdout.write(`\ncomparison report: ${reportPath}\n`);
  process.stdout.write(
    results
      .map((r) => `  ${r.strategy.padEnd(22)} lost ${r.sessions.lost}/${r.sessions.users} users · anomalous answers ${((anomalyCount(r.outcomes) / Math.max(1, r.requests.total)) * 100).toFixed(1)}% · ${r.requests.rps} req/s · p99 ${r.latencyMs.p99} ms`)
      .join('\n') + '\n',
  );
  if (controller.signal.aborted) return ExitCode.harnessError;
  // Strategies are compared, not gated: a strategy failing the scenario's thresholds is the
  // finding. A run whose own checks failed (users not judged, unhealthy stack, a fault that
  // did not happen) or could not be evaluated makes the comparison untrustworthy: exit 99.
  const allowUnknown = values['allow-unknown'] === true;
  const untrusted = results.flatMap((r) =>
    (r.thresholds?.results ?? [])
      .filter((t) => t.passed === false ? t.source === 'builtin' : t.passed === null && !allowUnknown)
      .map((t) => `${r.strategy}: ${t.metric} ${t.expression}: ${t.message ?? (t.passed === null ? 'unknown' : 'failed')}`),
  );
  for (const line of untrusted) process.stderr.write(`[${name}] comparison not trustworthy: ${line}\n`);
  return untrusted.length > 0 ? ExitCode.thresholdsFailed : ExitCode.passed;
}

await runMain(main);
