/**
 * Finds scenarios by name in scenarios/ (one file each) or by path, and loads them.
 *
 * A word like `redis-failover` is a name; anything with a `/` or a file extension is a path
 * (`./my.ts`, `/tmp/s.json`). A path may be a TypeScript/JavaScript module that
 * `export default`s the scenario, or a JSON file holding it. Whatever is wrong with the file
 * — missing, not a regular file (a FIFO is never opened), empty, too large, nested too deeply,
 * not JSON, not compilable, throwing while it loads, exporting something other than plain
 * data — is an InvalidInputError of one line naming the file and the problem.
 */
import { readdirSync, existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidInputError } from '../errors.js';
import { projectRoot } from '../util/project-root.js';
import { errorLine, oneLine } from '../util/one-line.js';
import { readRegularFile } from '../util/regular-file.js';
import { findExcessiveNesting } from '../util/nesting-depth.js';
import { maxScenarioDepth, toPlainData } from './plain-data.js';

export const scenariosDir = join(projectRoot, 'scenarios');

/** Larger scenario files are refused (the largest shipped one is under 2 KiB). */
export const maxScenarioFileBytes = 1 << 20;
/** Bracket nesting allowed in a scenario module's source (code nests deeper than the data). */
export const maxSourceNesting = 100;

const moduleExtensions = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const jsonExtensions = ['.json'];

export function listScenarioNames(): string[] {
  return readdirSync(scenariosDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

export interface ScenarioFile {
  /** Absolute path of the file. */
  file: string;
  /** Given as a path (not a name from scenarios/). */
  byPath: boolean;
}

/** Where the scenario named or given by path lives (whether it exists or not). */
export function resolveScenarioFile(nameOrPath: string): ScenarioFile {
  const byPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || extname(nameOrPath) !== '';
  return { file: byPath ? resolve(nameOrPath) : join(scenariosDir, `${nameOrPath}.ts`), byPath };
}

/** Source text only of whitespace and comments. */
function onlyComments(text: string): boolean {
  return text.replace(/\/\*[\s\S]*?(\*\/|$)/g, '').replace(/\/\/[^\n]*/g, '').trim() === '';
}

/** esbuild's "Transform failed with 1 error:\n/path/x.ts:3:13: ERROR: Expected ..." as "3:13: Expected ...". */
function compileProblem(error: unknown, file: string): string | null {
  const message = error instanceof Error ? error.message : '';
  if (!/^Transform failed/.test(message) && (error as { name?: string })?.name !== 'TransformError') return null;
  const details = message
    .split('\n')
    .slice(1)
    .map((l) => l.split(file).join('').replace(/^:/, '').replace(/ERROR: /, '').trim())
    .filter(Boolean);
  return `cannot compile the scenario module: ${errorLine(details.join('; ') || message)}`;
}

async function importModule(file: string, label: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const compile = compileProblem(error, file);
    if (compile) throw new InvalidInputError(`${label}: ${compile}`);
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new InvalidInputError(`${label}: cannot load the scenario module: nested too deeply (${errorLine(error)})`);
    }
    if (error instanceof SyntaxError) throw new InvalidInputError(`${label}: cannot load the scenario module: ${errorLine(error)}`);
    const name = error instanceof Error ? error.name : typeof error;
    throw new InvalidInputError(`${label}: the scenario module threw while loading: ${name}: ${errorLine(error)}`);
  }
  if (!('default' in module) || module.default === undefined) {
    throw new InvalidInputError(`${label}: a scenario file must \`export default defineScenario({...})\``);
  }
  return module.default;
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInputError(`${label}: not valid JSON (${errorLine(error)}); is the file truncated?`);
  }
}

/** Loads a scenario by name or path; returns its data as plain objects (not yet validated). */
export async function loadScenarioModule(nameOrPath: string): Promise<unknown> {
  const { file, byPath } = resolveScenarioFile(nameOrPath);
  const label = oneLine(file);
  if (!byPath && !existsSync(file)) {
    throw new InvalidInputError(`unknown scenario ${JSON.stringify(oneLine(nameOrPath))}: known scenarios are ${listScenarioNames().join(', ')}`);
  }
  const extension = extname(file).toLowerCase();
  const isJson = jsonExtensions.includes(extension);
  if (!isJson && !moduleExtensions.includes(extension)) {
    throw new InvalidInputError(
      `${label}: ${extension ? `"${oneLine(extension)}" files are` : 'a file without an extension is'} not scenario files: give a TypeScript (.ts) or JSON (.json) file, or a scenario name (${listScenarioNames().join(', ')})`,
    );
  }
  // Type checked with stat before anything opens it; size and emptiness too.
  const text = await readRegularFile(file, { label, what: 'scenario file', maxBytes: maxScenarioFileBytes });
  if (text.trim() === '') throw new InvalidInputError(`${label}: the scenario file holds only whitespace`);
  const nesting = findExcessiveNesting(text, isJson ? maxScenarioDepth : maxSourceNesting, isJson ? 'json' : 'script');
  if (nesting) {
    throw new InvalidInputError(
      `${label}:${nesting.line}:${nesting.column}: nested deeper than ${isJson ? maxScenarioDepth : maxSourceNesting} levels: a scenario is shallow data`,
    );
  }
  let data: unknown;
  if (isJson) {
    data = parseJson(text, label);
  } else {
    if (onlyComments(text)) throw new InvalidInputError(`${label}: the scenario file holds only comments: it must \`export default defineScenario({...})\``);
    // In a CommonJS context (a file outside this package) a module without a default export
    // still has `default` (module.exports = {}): look at the source too.
    if (!/\bexport\s+default\b|\bas\s+default\b|\bexports\.default\b|\bmodule\.exports\b/.test(text)) {
      throw new InvalidInputError(`${label}: a scenario file must \`export default defineScenario({...})\``);
    }
    data = await importModule(file, label);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = data === null ? 'null' : Array.isArray(data) ? 'an array' : `a ${typeof data}`;
    throw new InvalidInputError(`${label}: the scenario is ${got}: it must be an object (export default defineScenario({ name, topology, workload, ... }))`);
  }
  return toPlainData(data, label);
}
