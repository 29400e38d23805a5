/**
 * npm run report -- <result.json>... [--out FILE] [--title TEXT]
 * Renders one offline HTML page comparing the given runs. Every file is validated first;
 * any bad file is named with its problem, exit 104, and no report is written.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { HarnessError, InvalidInputError } from '../errors.js';
import { writeReport } from '../report/write-report.js';
import { readResultFile } from '../results/result-file.js';
import type { RunResult } from '../results/result-schema.js';
import { ExitCode } from './exit-codes.js';
import { checkOutputFiles } from './output-paths.js';

const usage = 'usage: npm run report -- <result.json>... [--out report.html] [--title "text"]';

export interface ReportCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { out: { type: 'string', short: 'o' }, title: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new InvalidInputError(`report: ${(error as Error).message}; ${usage}`);
  }
}

async function outPath(out: string | undefined, first: string): Promise<string> {
  if (out === undefined) return join(dirname(first), 'report.html');
  if (out === '') throw new InvalidInputError(`report: --out is empty; give a file name, e.g. --out report.html`);
  // stat, never open: a FIFO given as --out is refused by checkOutputFiles.
  const isDir = await stat(out).then((s) => s.isDirectory(), () => false);
  return isDir ? join(out, 'report.html') : out;
}

export async function runReportCli(argv: string[], io: ReportCliIo = { out: console.log, err: console.error }): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      io.out(usage);
      return ExitCode.passed;
    }
    if (positionals.length === 0) throw new InvalidInputError(`report: no result files given; ${usage}`);
    // The output place first: writable, a regular file if it exists, and never an input.
    const path = await outPath(values.out, positionals[0]!);
    await checkOutputFiles([{ label: values.out === undefined ? 'the report (default: beside the first result)' : '--out', path }], positionals);
    // Read every file before writing anything, and name every bad one.
    const settled = await Promise.allSettled(positionals.map((p) => readResultFile(p)));
    const bad = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (bad.length > 0) {
      const invalid = bad.find((e) => !(e instanceof InvalidInputError));
      if (invalid) throw invalid;
      for (const e of bad) io.err(`report: ${(e as Error).message}`);
      return ExitCode.invalidInput;
    }
    const results = settled.map((s) => (s as PromiseFulfilledResult<RunResult>).value);
    const { bytes } = await writeReport(results, path, { title: values.title });
    io.out(`report: wrote ${resolve(path)} (${(bytes / 1024).toFixed(0)} KiB, ${results.length} run${results.length === 1 ? '' : 's'})`);
    return ExitCode.passed;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      io.err(error.message.startsWith('report:') ? error.message : `report: ${error.message}`);
      return ExitCode.invalidInput;
    }
    io.err(`report: ${error instanceof HarnessError ? error.message : ((error as Error)?.stack ?? String(error))}`);
    return ExitCode.harnessError;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runReportCli(process.argv.slice(2));
}
