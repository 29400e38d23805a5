/**
 * Output places checked before any work (a run that can only lose its result at the end
 * never starts): `--out`, `--junit`, `--json`, `--summary`, $GITHUB_STEP_SUMMARY.
 *
 * - the place must be writable: the file's (or the directory's) nearest existing ancestor is
 *   a directory we may write into (missing directories are created at write time);
 * - an output is never one of the inputs (compared by real path, so a symlink or `./x/../x`
 *   to an input is caught too), and two outputs are never the same file;
 * - an existing output file must be a regular file (a FIFO would block the writer, a device
 *   or a directory would be replaced by the atomic rename); a run's `--out` must not be an
 *   existing non-directory.
 * Every problem is an InvalidInputError naming the flag and the path.
 */
import { constants, type Stats } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { oneLine } from '../util/one-line.js';
import { fileKind, fsProblem } from '../util/regular-file.js';
import { writeFilesAtomically, type PlannedWrite } from '../util/atomic-write.js';
import { resolveScenarioFile } from '../scenario/scenario-loader.js';

export interface OutputFile {
  /** The flag or variable that names it ("--junit", "GITHUB_STEP_SUMMARY"). */
  label: string;
  path: string;
  /** Appended to (GITHUB_STEP_SUMMARY) rather than replaced. */
  append?: boolean;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw error;
  }
}

/** The real path of `path`, for a path that need not exist: real path of its longest existing prefix + the rest. */
export async function canonicalPath(path: string): Promise<string> {
  let current = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(current), ...rest);
    } catch {
      const parent = dirname(current);
      if (parent === current) return resolve(path);
      rest.unshift(basename(current));
      current = parent;
    }
  }
}

/** Checks that files can be created under `dir` (existing or not); returns a problem or null. */
async function writablePlace(dir: string): Promise<string | null> {
  let current = resolve(dir);
  for (;;) {
    let stats: Stats | null;
    try {
      stats = await statOrNull(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTDIR') return `${oneLine(current)}: ${fsProblem(error)}`;
      stats = null; // a file further up: found below
    }
    if (stats) {
      if (!stats.isDirectory()) return `${oneLine(current)} is ${fileKind(stats)}, not a directory`;
      try {
        await access(current, constants.W_OK | constants.X_OK);
      } catch (error) {
        return `${oneLine(current)} is not writable: ${fsProblem(error)}`;
      }
      return null;
    }
    const parent = dirname(current);
    if (parent === current) return `no existing directory above ${oneLine(dir)}`;
    current = parent;
  }
}

async function inputSet(inputs: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const input of inputs) out.set(await canonicalPath(input), input);
  return out;
}

/** Checks one output file; returns its canonical path. */
async function checkOne(output: OutputFile, inputs: Map<string, string>): Promise<string> {
  const where = `${output.label} ${oneLine(output.path)}`;
  if (output.path === '') throw new InvalidInputError(`${output.label} is empty: give a file name`);
  const canonical = await canonicalPath(output.path);
  const input = inputs.get(canonical);
  if (input !== undefined) {
    throw new InvalidInputError(`${where}: is the input ${oneLine(input)}; writing it would replace what is being read — give another file`);
  }
  let stats: Stats | null;
  try {
    stats = await statOrNull(output.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR') throw new InvalidInputError(`${where}: ${fsProblem(error)}`);
    stats = null;
  }
  if (stats && !stats.isFile()) throw new InvalidInputError(`${where}: is ${fileKind(stats)}, not a regular file`);
  const problem = await writablePlace(dirname(resolve(output.path)));
  if (problem) throw new InvalidInputError(`${where}: cannot be written: ${problem}`);
  return canonical;
}

/** Checks every output file, and that no two are the same file. */
export async function checkOutputFiles(outputs: readonly OutputFile[], inputs: readonly string[]): Promise<void> {
  const inputPaths = await inputSet(inputs);
  const seen = new Map<string, OutputFile>();
  for (const output of outputs) {
    const canonical = await checkOne(output, inputPaths);
    const other = seen.get(canonical);
    if (other) {
      throw new InvalidInputError(`${output.label} ${oneLine(output.path)}: is also ${other.label}; give each output its own file`);
    }
    seen.set(canonical, output);
  }
}

/**
 * A run's output directory: an existing directory or one that can be created, into which
 * `files` (relative paths) will be written; none of them may be an input.
 */
export async function checkOutputDir(
  dir: string,
  options: { label: string; inputs: readonly string[]; files: readonly string[] },
): Promise<void> {
  const where = `${options.label} ${oneLine(dir)}`;
  if (dir === '') throw new InvalidInputError(`${options.label} is empty: give a directory`);
  let stats: Stats | null;
  try {
    stats = await statOrNull(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR') throw new InvalidInputError(`${where}: ${fsProblem(error)}`);
    stats = null;
  }
  if (stats && !stats.isDirectory()) {
    throw new InvalidInputError(`${where}: is ${fileKind(stats)}; --out names a directory (result.json and report.html go into it)`);
  }
  const problem = await writablePlace(dir);
  if (problem) throw new InvalidInputError(`${where}: cannot be written: ${problem}`);
  const inputs = await inputSet(options.inputs);
  for (const file of options.files) {
    const target = join(dir, file);
    const input = inputs.get(await canonicalPath(target));
    if (input !== undefined) throw new InvalidInputError(`${where}: ${oneLine(file)} in it would replace the input ${oneLine(input)}`);
    const existing = await statOrNull(target).catch(() => null);
    if (existing && !existing.isFile()) throw new InvalidInputError(`${where}: ${oneLine(file)} in it is ${fileKind(existing)}, not a regular file`);
  }
}

/** Writes every output all-or-nothing (temp files first, then renames; temps removed on failure). */
export async function writeOutputs(writes: readonly PlannedWrite[]): Promise<void> {
  await writeFilesAtomically(writes);
}

/**
 * The output directory of `scenario` / `compare`, checked before anything starts: result.json
 * and report.html go into it and into each of `subdirs` (run-1..N of a --repeat, one per
 * strategy of a compare); the scenario file is the input they must not replace.
 */
export async function checkRunOutDir(
  outDir: string,
  options: { out: string | undefined; scenario: string; subdirs: readonly string[] },
): Promise<void> {
  if (options.out === '') throw new InvalidInputError('--out is empty: give a directory, e.g. --out reports/my-run');
  const files = ['', ...options.subdirs].flatMap((d) => [join(d, 'result.json'), join(d, 'report.html')]);
  await checkOutputDir(outDir, {
    label: options.out === undefined ? 'output directory' : '--out',
    inputs: [resolveScenarioFile(options.scenario).file],
    files,
  });
}
