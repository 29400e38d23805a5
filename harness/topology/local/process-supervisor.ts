/**
 * Starts server processes and stops them by PID. Each server runs in its own process group
 * (detached => setsid), so a SIGKILL to the group also takes PHP-FPM's workers and nginx's
 * worker. Each server leaves a pid file in the run directory ("PID STARTTIME"), so a later
 * run can find and stop what a killed harness left behind: the start time tells our process
 * from an unrelated one that reused the PID. (PSL_RUN_ID is also put in the environment, but
 * nginx, PHP-FPM and redis-server overwrite /proc/PID/environ with their process titles.)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, existsSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processStartTime } from './process-start-time.js';
import { HarnessError } from '../../errors.js';
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

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends a group for good. A stopped process (node-hang, redis-hang) is continued first: a
 * SIGTERM stays pending while it is stopped, and none of our processes is ever left stopped.
 */
function killGroup(pgid: number, signal: 'SIGTERM' | 'SIGKILL'): boolean {
  const sent = signalGroup(pgid, signal);
  signalGroup(pgid, 'SIGCONT');
  return sent;
}

/** SIGSTOP the whole process group: it keeps its sockets (the kernel still accepts connections into their backlog) and answers nothing. */
export function pauseProcess(proc: ManagedProcess): void {
  if (proc.hasExited() || !signalGroup(proc.pid, 'SIGSTOP')) throw new HarnessError(`${proc.name} is not running: nothing to pause`);
}

/** SIGCONT the whole process group. */
export function resumeProcess(proc: ManagedProcess): void {
  if (!signalGroup(proc.pid, 'SIGCONT')) throw new HarnessError(`${proc.name} is not running: nothing to resume`);
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
  writeFileSync(join(options.pidsDir, `${options.name}.pid`), `${pid} ${processStartTime(pid) ?? ''}\n`);
  void exitedPromise.then(() => {
    // The group may outlive its leader (orphaned workers): only forget it once the group is gone.
    if (!groupAlive(pid)) live.delete(proc);
  });
  return proc;
}

/**
 * Whether any process of the group still runs. A zombie does not count: a SIGKILLed master's
 * workers are handed to PID 1, and where PID 1 does not reap (a bare container, some CI
 * runners) they stay zombies for good, so kill(-pgid, 0) would say "alive" forever.
 */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc')) return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
    } catch {
      /* gone */
    }
  }
  return false;
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

interface ProcStat {
  pid: number;
  pgid: number;
  startTime: string;
}

function readProcStats(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(entry), pgid: Number(fields[2]), startTime: fields[19] ?? '' });
    } catch {
      /* gone */
    }
  }
  return out;
}

/**
 * Stops what a dead run left: every process group named by its pid files (the leader if it
 * is still the process we started, and any member of its group that started no earlier, for
 * a group whose leader died first), plus any process still carrying the run's marker.
 */
export function killRunProcesses(runId: string, pidsDir: string): number {
  const recorded: Array<{ pid: number; startTime: string | null }> = [];
  try {
    for (const file of readdirSync(pidsDir)) {
      const [pid, start] = readFileSync(join(pidsDir, file), 'utf8').trim().split(/\s+/);
      if (Number(pid) > 1) recorded.push({ pid: Number(pid), startTime: start || null });
    }
  } catch {
    /* no pid files */
  }
  const victims = new Set<number>();
  const hasProc = existsSync('/proc');
  if (!hasProc) {
    // No /proc (macOS): the pid files are all there is.
    for (const r of recorded) if (killGroup(r.pid, 'SIGKILL')) victims.add(r.pid);
    return victims.size;
  }
  const stats = readProcStats();
  for (const r of recorded) {
    for (const s of stats) {
      if (s.pgid !== r.pid) continue;
      const leaderMatches = s.pid === r.pid && (r.startTime === null || s.startTime === r.startTime);
      const laterMember = s.pid !== r.pid && r.startTime !== null && Number(s.startTime) >= Number(r.startTime);
      if (leaderMatches || laterMember) victims.add(s.pid);
    }
  }
  const marker = `PSL_RUN_ID=${runId}`;
  for (const s of stats) {
    try {
      if (readFileSync(`/proc/${s.pid}/environ`, 'latin1').split('\0').includes(marker)) victims.add(s.pid);
    } catch {
      /* gone or not readable */
    }
  }
  victims.delete(process.pid);
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
      process.kill(pid, 'SIGCONT'); // a process a killed run left stopped (a hang fault) is continued too
    } catch {
      /* already gone */
    }
  }
  return victims.size;
}

/** Synchronously SIGKILL everything still alive (used on a second Ctrl-C). */
export function killAllNow(): void {
  for (const proc of live) killGroup(proc.pid, 'SIGKILL');
  live.clear();
}
