/** Reading and writing result.json with validation; errors name the file and the problem. */
import { readFile } from 'node:fs/promises';
import { InvalidInputError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { RESULT_SCHEMA_ID, resultSchema, type RunResult } from './result-schema.js';

export async function readResultFile(path: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`${path}: cannot read result file (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`${path}: not valid JSON (${(error as Error).message}); is the file truncated?`);
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
    throw new InvalidInputError(`${origin}: invalid result — ${problems.slice(0, 5).join('; ')}`, problems);
  }
  return parsed.data;
}

export async function writeResultFile(path: string, result: RunResult): Promise<void> {
  // Validate before writing so a bad result never reaches disk.
  const checked = resultSchema.parse(result);
  await writeFileAtomic(path, JSON.stringify(checked, null, 2) + '\n');
}
