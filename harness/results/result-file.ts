/** Reading and writing result.json with validation; errors name the file and the problem. */
import { stat } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import { readRegularFile } from '../util/regular-file.js';
import { findExcessiveNesting } from '../util/nesting-depth.js';
import { oneLine } from '../util/one-line.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { RESULT_SCHEMA_ID, resultSchema, type RunResult } from './result-schema.js';

/** Larger result files are refused (a 5-minute run with every section is a few MiB). */
export const maxResultFileBytes = 256 << 20;
/** JSON nesting allowed in a result file (it nests about 6 deep). */
export const maxResultNesting = 64;

export async function readResultFile(path: string): Promise<RunResult> {
  const label = oneLine(path);
  // stat first: a FIFO, a device or a directory is refused without being opened.
  try {
    await stat(path);
  } catch (error) {
    throw new InvalidInputError(`${label}: cannot read result file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const text = await readRegularFile(path, { label, what: 'result file', maxBytes: maxResultFileBytes });
  const nesting = findExcessiveNesting(text, maxResultNesting, 'json');
  if (nesting) throw new InvalidInputError(`${label}:${nesting.line}:${nesting.column}: nested deeper than ${maxResultNesting} levels: not a result file`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${label}: not valid JSON (${oneLine((error as Error).message)}); is the file truncated?`);
  }
  return parseResult(data, path);
}

export function parseResult(data: unknown, origin: string): RunResult {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidInputError(`${origin}: a result file must hold a JSON object with "schema": "${RESULT_SCHEMA_ID}"`);
  }
  const schema = (data as Record<string, unknown>).schema;
  if (schema !== RESULT_SCHEMA_ID) {
    throw new InvalidInputError(
      `${origin}: "schema" is ${JSON.stringify(schema ?? null)}, expected "${RESULT_SCHEMA_ID}" (not a php-session-lab result, or another version)`,
    );
  }
  const parsed = resultSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    // Sections are typed: one written by an earlier version (e.g. the concurrency section before
    // its indeterminate bursts) is refused rather than read as something it is not.
    throw new InvalidInputError(
      `${origin}: invalid result — ${problems.slice(0, 5).join('; ')} (if an earlier version of php-session-lab wrote it, run the scenario again)`,
      problems,
    );
  }
  return parsed.data;
}

export async function writeResultFile(path: string, result: RunResult): Promise<void> {
  // Validate before writing so a bad result never reaches disk.
  const checked = resultSchema.parse(result);
  await writeFileAtomic(path, JSON.stringify(checked, null, 2) + '\n');
}
