/**
 * npm run gate -- <result.json> [--baseline <result.json|dir>]... [--threshold 'metric:expr']...
 *   [--max-regression p99=10%,rps=5%] [--junit FILE] [--summary FILE] [--json FILE]
 *   [--no-summary] [--no-write-result]
 * Exit 0 passed, 99 a check failed or could not be evaluated (unless --allow-unknown), 104 bad input, 1 harness error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import { readResultFile } from '../results/result-file.js';
import { checkOutputFiles, writeOutputs } from './output-paths.js';
import { gateOutputs, renderGateOutputs } from './gate-outputs.js';
import { isThresholdMetric, parseThresholdExpression, thresholdMetricsHelp } from '../thresholds/threshold-expression.js';
import type { ThresholdSpec } from '../thresholds/threshold-evaluate.js';
import { DEFAULT_MAX_REGRESSION, parseMaxRegression } from '../gate/regression.js';
import { loadBaselines } from '../gate/baseline-loader.js';
import { buildGateVerdict } from '../gate/gate-verdict.js';
import { renderText } from '../gate/render-text.js';

const usage = `usage: npm run gate -- <result.json> [--baseline <result.json|dir>]... [--threshold 'metric:expression']...
  [--max-regression p99=10%,rps=5%] [--junit FILE] [--summary FILE] [--json FILE] [--no-summary] [--no-write-result] [--allow-unknown]`;

interface GateArgs {
  resultPath: string;
  baselines: string[];
  thresholds: ThresholdSpec;
  maxRegression: string | undefined;
  junit?: string;
  summary?: string;
  json?: string;
  noSummary: boolean;
  writeResult: boolean;
  allowUnknown: boolean;
}

function parseCliArgs(argv: string[]): GateArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        baseline: { type: 'string', multiple: true },
        threshold: { type: 'string', multiple: true },
        'max-regression': { type: 'string' },
        junit: { type: 'string' },
        summary: { type: 'string' },
        json: { type: 'string' },
        'no-summary': { type: 'boolean' },
        'no-write-result': { type: 'boolean' },
        'allow-unknown': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new InvalidInputError(`gate: ${(error as Error).message.split('\n')[0]!.split('. To specify')[0]}; see --help`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1) {
    throw new InvalidInputError(
      `gate: expected exactly one result.json, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}; ${usage.split('\n')[0]}`,
    );
  }
  const thresholds: ThresholdSpec = {};
  for (const flag of values.threshold ?? []) {
    // The metric ends at the last colon: evidence:<kind> has one of its own.
    const colon = flag.lastIndexOf(':');
    const metric = colon < 0 ? '' : flag.slice(0, colon).trim();
    if (!isThresholdMetric(metric)) {
      throw new InvalidInputError(
        `--threshold ${JSON.stringify(flag)}: write 'metric:expression' with metric one of ${thresholdMetricsHelp} (e.g. 'latency:p(99)<250', 'evidence:session-write-failed:count==0')`,
      );
    }
    const expression = flag.slice(colon + 1).trim();
    try {
      parseThresholdExpression(metric, expression);
    } catch (error) {
      throw new InvalidInputError(`--threshold: ${(error as Error).message}`);
    }
    (thresholds[metric] ??= []).push(expression);
  }
  const baselines = values.baseline ?? [];
  const maxRegression = values['max-regression'];
  if (maxRegression !== undefined && baselines.length === 0) {
    throw new InvalidInputError('--max-regression needs at least one --baseline <result.json|dir> to compare with');
  }
  return {
    resultPath: positionals[0]!,
    baselines,
    thresholds,
    maxRegression,
    ...(values.junit !== undefined ? { junit: values.junit } : {}),
    ...(values.summary !== undefined ? { summary: values.summary } : {}),
    ...(values.json !== undefined ? { json: values.json } : {}),
    noSummary: values['no-summary'] === true,
    writeResult: values['no-write-result'] !== true,
    allowUnknown: values['allow-unknown'] === true,
  };
}

/** Runs the gate; returns the exit code. Output goes to the given streams (stdout/stderr by default). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const args = parseCliArgs(argv);
    if (args === 'help') {
      process.stdout.write(`${usage}\n`);
      return ExitCode.passed;
    }
    // Validate every flag before reading anything, so bad input never half-runs.
    const maxRegression = args.baselines.length > 0 ? parseMaxRegression(args.maxRegression ?? DEFAULT_MAX_REGRESSION) : undefined;
    const outputs = gateOutputs(args, env);
    await checkOutputFiles(outputs, [args.resultPath, ...args.baselines]);
    const result = await readResultFile(args.resultPath);
    const baselines = await loadBaselines(args.baselines, result, args.resultPath);
    await checkOutputFiles(outputs, [args.resultPath, ...baselines.map((b) => b.path)]);
    const verdict = buildGateVerdict({
      result,
      resultPath: args.resultPath,
      cliThresholds: args.thresholds,
      baselines,
      ...(maxRegression ? { maxRegression } : {}),
      allowUnknown: args.allowUnknown,
    });

    process.stdout.write(renderText(verdict));
    // Everything rendered first, then written all-or-nothing.
    await writeOutputs(renderGateOutputs(outputs, verdict, args.writeResult ? { path: args.resultPath, result: { ...result, gate: verdict } } : null));
    return verdict.passed ? ExitCode.passed : ExitCode.thresholdsFailed;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      process.stderr.write(`error: ${error.message}\n`);
      return ExitCode.invalidInput;
    }
    process.stderr.write(`gate: harness error: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.harnessError;
  }
}

/** Run when executed (also through a symlink), not when imported. */
function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(fileURLToPath(import.meta.url)) === realpathSync(process.argv[1]);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
