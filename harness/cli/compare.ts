/**
 * npm run compare -- <scenario> --strategies files,affinity,redis [--out DIR] [overrides]
 * npm run compare -- <scenario> --connection-reuse stock,production [--out DIR] [overrides]
 * npm run compare -- <scenario> --redis-persistence none,aof [--out DIR] [overrides]
 * Runs the same scenario (same users, load, fault timeline, seed) once per strategy (or per
 * connection reuse preset, or Redis persistence), writes DIR/<variant>/result.json and one
 * DIR/report.html comparing them. One list varies; the others may be given once, for every run.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { abortOnSignals, runMain } from './cli-support.js';
import { applyOverrides, overrideOptions, redisPersistenceNames } from './scenario-overrides.js';
import { checkRunOutDir } from './output-paths.js';
import { InvalidInputError } from '../errors.js';
import { listScenarioNames, loadScenarioModule } from '../scenario/scenario-loader.js';
import { validateScenario } from '../scenario/validate-scenario.js';
import { runScenario } from '../runner/run-scenario.js';
import { finishRun } from '../runner/finish-run.js';
import { strategyNames } from '../strategies/strategy-registry.js';
import { writeReport } from '../report/write-report.js';
import { projectRoot } from '../util/project-root.js';
import { connectionsText, formatSummary, reuseSettingText } from '../runner/summary.js';
import { connectionReusePresets } from '../topology/connection-reuse.js';
import { anomalyCount, type RunResult } from '../results/result-schema.js';
import { balancerNames } from '../topology/balancers/balancer-registry.js';
import { providerNames } from '../topology/provider-names.js';

const usage = `usage: npm run compare -- <scenario> --strategies files,affinity,redis [--out DIR]
       npm run compare -- <scenario> --connection-reuse stock,production [--out DIR]
       npm run compare -- <scenario> --redis-persistence none,aof [--out DIR]
       npm run compare -- <scenario> --redis-timeout default,1 [--out DIR]
  [--duration 20s --users N --connections N --nodes N --requests N --rate R --balancer ${balancerNames.join('|')} --provider ${providerNames.join('|')} --seed N --quiet --allow-unknown]
Vary one list (strategies, connection reuse presets stock|production|none, Redis persistence none|rdb|aof,
or phpredis timeouts in seconds or default); the others may be given once for every run.
Exit 99 when a run's built-in checks fail, or a check could not be evaluated (unless --allow-unknown);
strategies failing the scenario's thresholds are the comparison's finding, not a failure.`;

/** What a comparison may vary: the flag (a comma list), the override it sets per run, the names it takes. */
const compareAxes = [
  { flag: 'strategies', override: 'strategy', what: 'strategy', names: strategyNames as readonly string[], label: (v: string) => v },
  { flag: 'connection-reuse', override: 'connection-reuse', what: 'preset', names: connectionReusePresets as readonly string[], label: (v: string) => `reuse-${v}` },
  { flag: 'redis-persistence', override: 'redis-persistence', what: 'persistence', names: redisPersistenceNames as readonly string[], label: (v: string) => `persistence-${v}` },
  { flag: 'redis-timeout', override: 'redis-timeout', what: 'timeout', names: null, label: (v: string) => `redis-timeout-${v}` },
] as const;

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
  const list = (text: string | undefined) => (text === undefined ? [] : text.split(',').map((s) => s.trim()).filter(Boolean));
  // Each axis is a comma list; one of them varies (several values), the others are given at most once.
  const axes = compareAxes.map((axis) => ({ ...axis, values: list(values[axis.flag]), given: values[axis.flag] !== undefined }));
  if (axes.every((a) => !a.given)) {
    throw new InvalidInputError(`${axes.map((a) => `--${a.flag}`).join(', ')}: one is required, e.g. --strategies files,affinity,redis\n${usage}`);
  }
  for (const axis of axes) {
    // An axis without a list of names (--redis-timeout) is checked by the override it sets, per run.
    const unknownValues = axis.names ? axis.values.filter((v) => !axis.names.includes(v)) : [];
    if (unknownValues.length > 0 || (axis.given && axis.values.length === 0)) {
      throw new InvalidInputError(`--${axis.flag}: unknown ${axis.what} ${unknownValues.map((u) => `"${u}"`).join(', ')}${axis.names ? `: use some of ${axis.names.join(', ')}` : ''}`);
    }
    if (new Set(axis.values).size !== axis.values.length) throw new InvalidInputError(`--${axis.flag}: a ${axis.what} is listed twice`);
  }
  const varying = axes.filter((a) => a.values.length > 1);
  if (varying.length > 1) {
    throw new InvalidInputError(`${varying.map((a) => `--${a.flag}`).join(' and ')} each list several values: vary one of them (give the others once)`);
  }
  // What varies names each run (and its directory): the strategy, reuse-<preset> or persistence-<setting>.
  const varied = varying[0] ?? axes.find((a) => a.given)!;
  const fixed = Object.fromEntries(axes.filter((a) => a !== varied && a.values.length === 1).map((a) => [a.override, a.values[0]!]));
  const byReuse = varied.flag === 'connection-reuse';
  const axis = varied.values.map((value) => ({ label: varied.label(value), flags: { ...fixed, [varied.override]: value } }));
  const labels = axis.map((a) => a.label);
  const name = positionals[0]!;
  const raw = (await loadScenarioModule(name)) as Record<string, unknown>;
  // Validate every variant before anything starts.
  const variants = axis.map(({ label, flags }) => {
    const input = applyOverrides(raw, { ...values, ...flags });
    return { label, ...validateScenario(input, `${name} (${label})`) };
  });
  // Each variant is another stack; an external deployment is one stack the harness cannot change.
  if (variants.some((v) => v.scenario.topology.provider === 'external')) {
    throw new InvalidInputError(`topology.provider: compare starts one stack per variant, and the external provider starts none: run each variant's deployment with npm run scenario, then npm run report`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const outDir = resolve(values.out ?? join(projectRoot, 'reports', `compare-${name}-${stamp}`));
  await checkRunOutDir(outDir, { out: values.out, scenario: name, subdirs: labels });
  const toxiproxyUrl = values['toxiproxy-url'] ?? process.env.TOXIPROXY_URL;
  const controller = abortOnSignals();
  const results: RunResult[] = [];
  for (const variant of variants) {
    if (controller.signal.aborted) break;
    const log = (m: string) => process.stderr.write(`[${name}/${variant.label}] ${m}\n`);
    const outcome = await runScenario(variant.scenario, variant.faults, {
      outDir: join(outDir, variant.label),
      ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
      signal: controller.signal,
      log,
      progress: values.quiet ? null : (chunk) => process.stderr.write(chunk),
      tty: process.stderr.isTTY === true,
    });
    const finished = await finishRun([outcome], { outDir: join(outDir, variant.label), repeat: 1, log });
    process.stdout.write(formatSummary(finished.result, finished.paths));
    results.push(finished.result);
    if (finished.aborted) break;
  }
  const reportPath = join(outDir, 'report.html');
  await writeReport(results, reportPath, { title: `${name}: ${labels.join(' vs ')}` });
  process.stdout.write(`\ncomparison report: ${reportPath}\n`);
  process.stdout.write(
    results
      .map(
        (r, i) =>
          `  ${labels[i]!.padEnd(22)} lost ${r.sessions.lost}/${r.sessions.users} users · anomalous answers ${((anomalyCount(r.outcomes) / Math.max(1, r.requests.total)) * 100).toFixed(1)}% · ${r.requests.rps} req/s · p99 ${r.latencyMs.p99} ms` +
          (r.connections ? ` · new connections per request: ${connectionsText(r.connections)}` : ''),
      )
      .join('\n') + '\n',
  );
  if (controller.signal.aborted) return ExitCode.harnessError;
  // Strategies are compared, not gated: a strategy failing the scenario's thresholds is the
  // finding. A run whose own checks failed (users not judged, unhealthy stack, a fault that
  // did not happen) or could not be evaluated makes the comparison untrustworthy: exit 99.
  const allowUnknown = values['allow-unknown'] === true;
  const untrusted = results.flatMap((r, i) =>
    (r.thresholds?.results ?? [])
      .filter((t) => t.passed === false ? t.source === 'builtin' : t.passed === null && !allowUnknown)
      .map((t) => `${labels[i]}${byReuse && r.connections ? ` (reuse ${reuseSettingText(r.connections.reuse.setting)})` : ''}: ${t.metric} ${t.expression}: ${t.message ?? (t.passed === null ? 'unknown' : 'failed')}`),
  );
  for (const line of untrusted) process.stderr.write(`[${name}] comparison not trustworthy: ${line}\n`);
  return untrusted.length > 0 ? ExitCode.thresholdsFailed : ExitCode.passed;
}

await runMain(main);
