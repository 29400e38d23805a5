/**
 * Every run owns a directory (configs, logs, pid files) under the system temp dir. A run
 * whose harness died (SIGKILL) leaves its directory behind; the next run finds it, stops the
 * processes it recorded and removes it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { killRunProcesses } from './process-supervisor.js';

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
  const path = join(runsRoot(), runId);
  const pidsDir = join(path, 'pids');
  mkdirSync(pidsDir, { recursive: true });
  writeFileSync(join(path, 'owner.json'), JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) }));
  return { runId, path, pidsDir };
}

/** Field 22 of /proc/PID/stat: start time in clock ticks; detects PID reuse. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
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
