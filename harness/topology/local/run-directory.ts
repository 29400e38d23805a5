/**
 * Every run owns a directory (configs, logs, pid files) under the system temp dir. A run
 * whose harness died (SIGKILL) leaves its directory behind; the next run finds it, stops the
 * processes it recorded and removes it.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { killRunProcesses } from './process-supervisor.js';
import { processStartTime } from './process-start-time.js';
export { processStartTime };

export const runsRoot = () => process.env.PSL_RUNS_DIR ?? join(tmpdir(), 'php-session-lab', 'runs');

export interface RunDirectory {
  runId: string;
  path: string;
  pidsDir: string;
}

export function newRunId(prefix = 'run'): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${prefix}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function createRunDirectory(runId: string): RunDirectory {
  const root = runsRoot();
  const path = join(root, runId);
  // Built under a hidden name and renamed into place, so a concurrent reaper never sees a
  // run directory without its owner.json (and takes it for a dead run).
  const staging = join(root, `.staging-${runId}`);
  mkdirSync(join(staging, 'pids'), { recursive: true });
  writeFileSync(join(staging, 'owner.json'), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) }));
  renameSync(staging, path);
  return { runId, path, pidsDir: join(path, 'pids') };
}


function ownerAlive(dir: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(join(dir, 'owner.json'), 'utf8')) as { pid: number; startTime: string | null };
    const now = processStartTime(owner.pid);
    if (now === null) {
      // No /proc (macOS): fall back to signal 0.
      if (!existsSync('/proc')) {
        try {
          process.kill(owner.pid, 0);
          return true;
        } catch {
          return false;
        }
      }
      return false;
    }
    return now === owner.startTime;
  } catch {
    return false;
  }
}

/** Stops the processes of runs whose harness is gone and removes their directories. */
export function reapStaleRuns(log: (message: string) => void = () => {}): number {
  const root = runsRoot();
  let reaped = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(root);
  } catch {
    return 0;
  }
  for (const runId of entries) {
    if (runId.startsWith('.')) {
      // A staging directory left by a harness that died while creating it.
      try {
        if (Date.now() - statSync(join(root, runId)).mtimeMs > 60_000) rmSync(join(root, runId), { recursive: true, force: true });
      } catch {
        /* gone */
      }
      continue;
    }
    const dir = join(root, runId);
    if (ownerAlive(dir)) continue;
    const killed = killRunProcesses(runId, join(dir, 'pids'));
    if (killed > 0) log(`cleaned up ${killed} process(es) left by dead run ${runId}`);
    rmSync(dir, { recursive: true, force: true });
    reaped++;
  }
  return reaped;
}

export function removeRunDirectory(dir: RunDirectory): void {
  rmSync(dir.path, { recursive: true, force: true });
}
