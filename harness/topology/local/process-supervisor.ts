/**
 * Starts server processes and stops them by PID. Each server runs in its own process group
 * (detached => setsid), so a SIGKILL to the group also takes PHP-FPM's workers and nginx's
 * worker. Every process carries PSL_RUN_ID in its environment and a pid file in the run
 * directory, so a later run can find and stop what a killed harness left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcess {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort (sync): whatever is still running when the harness exits gets SIGKILL.
  process.on('exit', () => {
    for (const proc of live) killGroup(proc.pid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  runId: string;
  pidsDir: string;
  logFile: string;
  env?: Record<string, string>;
  cwd?: string;
}

export function spawnServer(options: SpawnOptions): ManagedProcess {
  installExitHook();
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...options.env, PSL_RUN_ID: options.runId },
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) {
    throw new Error(`could not start ${options.name} (${options.command})`);
  }
  const pid = child.pid;
  let exited = false;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      exited = true;
      resolve({ code: -1, signal: null });
    });
  });
  const proc: ManagedProcess = { name: options.name, pid, child, logFile: options.logFile, exited: exitedPromise, hasExited: () => exited };
  live.add(proc);
  writeFileSync(join(options.pidsDir, `${options.name}.pid`), `${pid}\n`);
  void exitedPromise.then(() => {
    // The group may outlive its leader (orphaned workers): only forget it once the group is gone.
    if (!groupAlive(pid)) live.delete(proc);
  });
  return proc;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL the whole process group now (the node-kill fault). */
export async function killProcess(proc: ManagedProcess, pidsDir?: string): Promise<void> {
  killGroup(proc.pid, 'SIGKILL');
  await waitGroupGone(proc.pid, 2000);
  live.delete(proc);
  if (pidsDir) rmSync(join(pidsDir, `${proc.name}.pid`), { force: true });
}

/** Graceful stop: SIGTERM (SIGQUIT for nginx/php-fpm is graceful too, TERM is fast), then SIGKILL. */
export async function stopProcess(proc: ManagedProcess, pidsDir?: string, graceMs = 1500): Promise<void> {
  if (groupAlive(proc.pid)) {
    killGroup(proc.pid, 'SIGTERM');
    if (!(await waitGroupGone(proc.pid, graceMs))) {
      killGroup(proc.pid, 'SIGKILL');
      await waitGroupGone(proc.pid, 2000);
    }
  }
  live.delete(proc);
  if (pidsDir) rmSync(join(pidsDir, `${proc.name}.pid`), { force: true });
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await sleep(10);
  }
  return !groupAlive(pgid);
}

/** Every process tagged with this run id (found through /proc/PID/environ) plus the pid files. */
export function killRunProcesses(runId: string, pidsDir: string): number {
  const marker = `PSL_RUN_ID=${runId}`;
  const pids = new Set<number>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
        if (environ.split('\0').includes(marker)) pids.add(Number(entry));
      } catch {
        /* gone or not ours */
      }
    }
  } catch {
    // No /proc: trust the pid files only when the process still exists.
    try {
      for (const file of readdirSync(pidsDir)) {
        const pid = Number(readFileSync(join(pidsDir, file), 'utf8').trim());
        if (pid > 1) pids.add(pid);
      }
    } catch {
      /* none */
    }
  }
  for (const pid of pids) {
    if (pid === process.pid) continue;
    killGroup(pid, 'SIGKILL');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids.size;
}

/** Synchronously SIGKILL everything still alive (used on a second Ctrl-C). */
export function killAllNow(): void {
  for (const proc of live) killGroup(proc.pid, 'SIGKILL');
  live.clear();
}

export function liveProcessCount(): number {
  return live.size;
}
