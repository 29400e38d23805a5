/** Shared CLI plumbing: error -> exit code mapping, Ctrl-C handling. */
import { ExitCode } from './exit-codes.js';
import { HarnessError, InvalidInputError, MissingDependencyError, RunAbortedError } from '../errors.js';
import { quoted } from '../util/one-line.js';
import { killAllNow } from '../topology/local/process-supervisor.js';

export function exitCodeFor(error: unknown): number {
  if (error instanceof MissingDependencyError) return ExitCode.missingDependency;
  if (error instanceof InvalidInputError) return ExitCode.invalidInput;
  return ExitCode.harnessError;
}

export function printError(error: unknown): void {
  if (error instanceof HarnessError) process.stderr.write(`error: ${error.message}\n`);
  else if (error instanceof Error) process.stderr.write(`error: ${error.stack ?? error.message}\n`);
  else process.stderr.write(`error: ${String(error)}\n`);
}

/**
 * First Ctrl-C/SIGTERM aborts the run gracefully (faults healed, servers stopped, partial
 * result written); a second one kills every server at once and exits.
 */
export function abortOnSignals(): AbortController {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\n${signal}: stopping the run (again to force)\n`);
      controller.abort(new RunAbortedError(`interrupted by ${signal}`));
    } else {
      killAllNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return controller;
}

export async function runMain(main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    printError(error);
    process.exitCode = exitCodeFor(error);
  }
}

/**
 * An integer flag: digits only (so "", " 5", "1e3" and "0x10" are refused, not read as
 * numbers), from min to max. The message names the flag.
 */
export function intFlag(name: string, value: string | undefined, min = 1, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]{1,16}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidInputError(`--${name} ${quoted(value)}: expected an integer from ${min} to ${max === Number.MAX_SAFE_INTEGER ? 'any size' : max}`);
  }
  return n;
}
