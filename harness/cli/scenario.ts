/**
 * npm run scenario <name> [-- flags]
 * Runs one scenario end to end and writes result.json + report.html.
 * Exit: 0 passed · 99 thresholds failed · 104 invalid input · 105 missing dependency · 1 error.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { ExitCode } from './exit-codes.js';
import { abortOnSignals, runMain, intFlag } from './cli-support.js';
import { applyOverrides, overrideOptions } from './scenario-overrides.js';
import { checkRunOutDir } from './output-paths.js';
import { InvalidInputError } from '../errors.js';
import { listScenarioNames, loadScenarioModule } from '../scenario/scenario-loader.js';
import { validateScenario } from '../scenario/validate-scenario.js';
import { runScenario } from '../runner/run-scenario.js';
import { runSerializationScenario } from '../runner/run-serialization.js';
import { finishRun } from '../runner/finish-run.js';
import { projectRoot } from '../util/project-root.js';
import { formatSummary } from '../runner/summary.js';
import { verdictPasses } from '../checks/run-checks.js';
import { balancerNames } from '../topology/balancers/balancer-registry.js';
import { providerNames } from '../topology/provider-names.js';
import { strategyNames } from '../strategies/strategy-registry.js';

const usage = `usage: npm run scenario <name> [-- options]
       npm run scenario -- --list
options:
  --duration 20s  --users N  --connections N  --nodes N  --requests N  --rate R
  --strategy ${strategyNames.join('|')}
  --balancer ${balancerNames.join('|')}  --provider ${providerNames.join('|')}  --seed N
  --connection-reuse stock|production|none   connections reused per link (topology.connectionReuse; docs/connection-reuse.md)
  --redis-persistence none|rdb|aof           what a restarted Redis still has (topology.redis.persistence)
  --redis-timeout SECONDS|default            phpredis timeout= and read_timeout= (topology.redis; default: phpredis's own)
  --out DIR                 where result.json and report.html go (default reports/<scenario>-<timestamp>)
  --toxiproxy-url URL       use an external Toxiproxy (default: $TOXIPROXY_URL, else the embedded server)
  --repeat N                run N times; store every run and their median (speed: median; sessions, errors, checks: every run)
  --allow-unknown           exit 0 when a check could not be evaluated (default: exit 99)
  --quiet                   no live progress line`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        ...overrideOptions,
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        strategy: { type: 'string' },
        repeat: { type: 'string' },
      },
    });
  } catch (error) {
    throw new InvalidInputError(`${(error as Error).message}\n${usage}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return ExitCode.passed;
  }
  if (values.list) {
    for (const name of listScenarioNames()) {
      const raw = (await loadScenarioModule(name)) as { description?: string };
      process.stdout.write(`${name.padEnd(22)} ${raw.description ?? ''}\n`);
    }
    return ExitCode.passed;
  }
  if (positionals.length !== 1) {
    throw new InvalidInputError(`name one scenario: known scenarios are ${listScenarioNames().join(', ')}\n${usage}`);
  }
  const name = positionals[0]!;
  const repeat = intFlag('repeat', values.repeat, 1, 50) ?? 1;
  const raw = await loadScenarioModule(name);
  const input = applyOverrides(raw as Record<string, unknown>, values);
  const { scenario, faults } = validateScenario(input, name);
  const toxiproxyUrl = values['toxiproxy-url'] ?? process.env.TOXIPROXY_URL;
  // An external deployment names its own Toxiproxy; the flag would send traffic somewhere the scenario does not name.
  if (values['toxiproxy-url'] !== undefined && scenario.topology.provider === 'external') {
    throw new InvalidInputError('--toxiproxy-url: the external provider uses topology.external.toxiproxy.url: remove the flag');
  }
  if (toxiproxyUrl !== undefined && !/^https?:\/\/[^/\s]+\/?$/.test(toxiproxyUrl)) {
    throw new InvalidInputError(`--toxiproxy-url ${JSON.stringify(toxiproxyUrl)}: expected http://HOST:PORT`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const outDir = resolve(values.out ?? join(projectRoot, 'reports', `${scenario.name}-${stamp}`));
  await checkRunOutDir(outDir, { out: values.out, scenario: name, subdirs: repeat > 1 ? Array.from({ length: repeat }, (_, i) => `run-${i + 1}`) : [] });
  const controller = abortOnSignals();
  const log = (m: string) => process.stderr.write(`[${scenario.name}] ${m}\n`);
  const outcomes = [];
  for (let i = 0; i < repeat; i++) {
    if (controller.signal.aborted) break;
    const runDir = repeat > 1 ? join(outDir, `run-${i + 1}`) : outDir;
    if (repeat > 1) log(`run ${i + 1} of ${repeat}`);
    const run = scenario.serialization ? runSerializationScenario : runScenario;
    const outcome = await run(scenario, faults, {
      outDir: runDir,
      ...(toxiproxyUrl ? { toxiproxyUrl } : {}),
      signal: controller.signal,
      log,
      progress: values.quiet ? null : (chunk) => process.stderr.write(chunk),
      tty: process.stderr.isTTY === true,
    });
    outcomes.push(outcome);
  }
  const finished = await finishRun(outcomes, { outDir, repeat, log });
  process.stdout.write(formatSummary(finished.result, finished.paths));
  if (finished.aborted) return ExitCode.harnessError;
  return verdictPasses(finished.result.verdict?.status ?? 'unknown', values['allow-unknown'] === true) ? ExitCode.passed : ExitCode.thresholdsFailed;
}

await runMain(main);
