/**
 * Loads baseline results from files and directories (searched recursively for
 * result.json and *.result.json) and refuses baselines that cannot be compared.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { fileKind } from '../util/regular-file.js';
import { oneLine } from '../util/one-line.js';
import { readResultFile } from '../results/result-file.js';
import type { RunResult } from '../results/result-schema.js';

export interface LoadedBaseline {
  path: string;
  result: RunResult;
}

export function isResultFileName(name: string): boolean {
  return name === 'result.json' || name.endsWith('.result.json');
}

async function findResultFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Symlinked directories are not followed (no cycles).
    if (entry.isDirectory()) found.push(...(await findResultFiles(path)));
    else if (entry.isFile() && isResultFileName(entry.name)) found.push(path);
  }
  return found;
}

/**
 * Expands --baseline arguments into result files, reads and validates each, and checks it
 * is of the same scenario as `current`. The current result's own file is skipped, and so is
 * a `--repeat` median found in a directory beside its own runs (see withoutFoldedRepeats).
 */
export async function loadBaselines(args: string[], current: RunResult, currentPath: string): Promise<LoadedBaseline[]> {
  const self = resolve(currentPath);
  const paths: string[] = [];
  for (const arg of args) {
    let isDir: boolean;
    try {
      const stats = await stat(arg);
      isDir = stats.isDirectory();
      // A FIFO or a device is refused here, never opened (reading a FIFO blocks forever).
      if (!isDir && !stats.isFile()) {
        throw new InvalidInputError(`--baseline ${oneLine(arg)}: is ${fileKind(stats)}; give a result.json or a directory of them`);
      }
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw new InvalidInputError(
        `--baseline ${arg}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(error)}; give a result.json or a directory of them`,
      );
    }
    const files = isDir ? await findResultFiles(arg) : [arg];
    const usable = files.filter((f) => resolve(f) !== self);
    if (isDir && usable.length === 0) {
      throw new InvalidInputError(`--baseline ${arg}: the directory holds no result.json (searched recursively)`);
    }
    paths.push(...usable);
  }
  const unique = [...new Map(paths.map((p) => [resolve(p), p])).values()];
  const loaded: LoadedBaseline[] = [];
  for (const path of unique) {
    const result = await readResultFile(path);
    assertComparable(result, path, current);
    loaded.push({ path, result });
  }
  return withoutFoldedRepeats(loaded, new Set(args.map((a) => resolve(a))), current);
}

/** The runs a `--repeat` result was folded from (result.repeat.perRun[].runId); [] for a plain run. */
export function repeatRunIds(result: RunResult): string[] {
  return result.repeat?.perRun.map((r) => r.runId) ?? [];
}

/**
 * A directory made by `--repeat N --out DIR` holds DIR/run-1..N/result.json and their median
 * DIR/result.json. The median is not an independent sample: found in a directory next to
 * any of its own runs (or folded from the result being gated), it is dropped and the runs
 * count. A median given as a file itself (explicit) is kept, and so are medians whose runs
 * are not there (e.g. CI keeping only each repeat's median).
 */
function withoutFoldedRepeats(loaded: LoadedBaseline[], explicit: Set<string>, current: RunResult): LoadedBaseline[] {
  const runIds = new Set([current.runId, ...loaded.map((b) => b.result.runId)]);
  return loaded.filter((b) => explicit.has(resolve(b.path)) || !repeatRunIds(b.result).some((id) => id !== b.result.runId && runIds.has(id)));
}

/** A baseline of another scenario measures something else: refuse it instead of comparing. */
export function assertComparable(baseline: RunResult, path: string, current: RunResult): void {
  if (baseline.scenario !== current.scenario) {
    throw new InvalidInputError(
      `--baseline ${path}: it is a run of scenario "${baseline.scenario}", the result is of "${current.scenario}"; give baselines of the same scenario`,
    );
  }
}

/**
 * Same scenario, different setup (CLI overrides: nodes, strategy, workload...). Still
 * compared — a deliberate before/after is legitimate — but the gate prints a warning.
 */
export function baselineDifferences(baseline: RunResult, current: RunResult): string[] {
  const fields: Array<[string, (r: RunResult) => unknown]> = [
    ['strategy', (r) => r.strategy],
    ['balancer', (r) => r.balancer],
    ['provider', (r) => r.provider],
    ['nodes', (r) => r.nodes],
    ['workload', (r) => r.scenarioConfig.workload],
    ['faults', (r) => r.scenarioConfig.faults],
  ];
  const out: string[] = [];
  for (const [name, get] of fields) {
    const a = JSON.stringify(get(baseline) ?? null);
    const b = JSON.stringify(get(current) ?? null);
    if (a !== b) out.push(`${name} ${a} (result: ${b})`);
  }
  return out;
}
