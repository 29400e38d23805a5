/**
 * Per-user data of a journey (Gatling's feeders): built-in `vu` (u1, u2, ...) and `n` (1, 2,
 * ...), a CSV file's row (row i for user i: each user its own identity, so one user's name on
 * another's page is a leak), and generated values rendered from those (`"user{{n}}"`).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Journey } from './journey-schema.js';
import { render, variablesIn } from './journey-template.js';

export const BUILT_IN_VARIABLES = ['vu', 'n'] as const;
const MAX_CSV_BYTES = 10 * 1024 * 1024;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface CsvTable {
  columns: string[];
  rows: Array<Record<string, string>>;
}

/** Reads the feeder's CSV (header row + rows), or throws one line naming what is wrong. */
export function readCsv(path: string): CsvTable {
  if (!isAbsolute(path)) throw new Error(`${JSON.stringify(path)} is not an absolute path (in a .ts scenario: fileURLToPath(new URL('./users.csv', import.meta.url)))`);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new Error(`${path} cannot be read: no such file`);
  }
  if (size > MAX_CSV_BYTES) throw new Error(`${path} is ${size} bytes, more than ${MAX_CSV_BYTES}`);
  let records: string[][];
  try {
    records = parse(readFileSync(path, 'utf8'), { skip_empty_lines: true, trim: true, bom: true }) as string[][];
  } catch (error) {
    throw new Error(`${path} is not valid CSV: ${(error as Error).message.split('\n')[0]}`);
  }
  const [header, ...body] = records;
  if (!header || header.length === 0) throw new Error(`${path} has no header row (the variable names)`);
  const bad = header.find((name) => !NAME.test(name));
  if (bad !== undefined) throw new Error(`${path}: column ${JSON.stringify(bad)} is not a variable name (letters, digits, _)`);
  const clash = header.find((name) => (BUILT_IN_VARIABLES as readonly string[]).includes(name));
  if (clash !== undefined) throw new Error(`${path}: column ${JSON.stringify(clash)} is a built-in variable (vu, n): rename it`);
  return { columns: header, rows: body.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']))) };
}

/** The variables every user starts with (defined before any step). */
export function dataVariables(data: Journey['data'], csv: CsvTable | null): string[] {
  return [...BUILT_IN_VARIABLES, ...(csv?.columns ?? []), ...Object.keys(data.generate ?? {})];
}

/** Problems of the feeder for `users` users, each naming its field. */
export function dataProblems(data: Journey['data'], users: number): { problems: string[]; csv: CsvTable | null } {
  const problems: string[] = [];
  let csv: CsvTable | null = null;
  if (data.csv !== undefined) {
    try {
      csv = readCsv(data.csv);
      if (csv.rows.length < users) problems.push(`workload.journey.data.csv: ${csv.rows.length} rows for ${users} users: each user needs its own row (add rows or lower workload.users)`);
    } catch (error) {
      problems.push(`workload.journey.data.csv: ${(error as Error).message}`);
    }
  }
  const before = new Set<string>([...BUILT_IN_VARIABLES, ...(csv?.columns ?? [])]);
  for (const [name, template] of Object.entries(data.generate ?? {})) {
    for (const used of variablesIn(template)) {
      if (!before.has(used)) problems.push(`workload.journey.data.generate.${name}: unknown variable {{${used}}}: use ${[...before].join(', ')}`);
    }
    before.add(name);
  }
  return { problems, csv };
}

/** Each user's starting variables (validated input). */
export function userVariables(data: Journey['data'], users: number, csv: CsvTable | null): Array<Map<string, string>> {
  return Array.from({ length: users }, (_, i) => {
    const vars = new Map<string, string>([
      ['vu', `u${i + 1}`],
      ['n', String(i + 1)],
    ]);
    for (const [name, value] of Object.entries(csv?.rows[i] ?? {})) vars.set(name, value);
    for (const [name, template] of Object.entries(data.generate ?? {})) vars.set(name, render(template, vars));
    return vars;
  });
}
