/**
 * Helpers for the process-lifecycle tests: start the scenario CLI and get hold of it once its
 * stack is ready, find its run directory, and see which of its servers are still alive.
 *
 * Why not only processesOfRuns(): nginx, PHP-FPM (and redis-server) rewrite their process
 * title over the memory /proc/PID/environ shows, so their PSL_RUN_ID marker is not visible
 * there. Every server is spawned detached (its own process group) and leaves a pid file in
 * the run directory, so the groups named by those pid files are the ground truth.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli, type CliRun } from './run-cli.js';

export interface LaunchedCli {
  /** Resolves with the CLI child process once "stack ready" is on stderr; rejects if it exits first. */
  ready: Promise<ChildProcess>;
  /** Resolves when the CLI has exited. */
  done: Promise<CliRun>;
  /** Current stderr. */
  stderr: () => string;
  /** The CLI process, known from its first output on stderr on. */
  child: () => ChildProcess | null;
}

export function launchScenario(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): LaunchedCli {
  let stderr = '';
  let resolveReady!: (child: ChildProcess) => void;
  let rejectReady!: (error: Error) => void;
  let isReady = false;
  let cliChild: ChildProcess | null = null;
  const ready = new Promise<ChildProcess>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  const done = runCli('scenario.ts', args, {
    ...(options.env ? { env: options.env } : {}),
    timeoutMs: options.timeoutMs ?? 180_000,
    onStderr: (text, child) => {
      stderr = text;
      cliChild = child;
      if (!isReady && /stack ready in \d+ ms/.test(text)) {
        isReady = true;
        resolveReady(child);
      }
    },
  });
  void done.then(
    (run) => {
      if (!isReady) rejectReady(new Error(`the CLI exited (code ${run.code}, signal ${run.signal}) before "stack ready"; stderr:\n${run.stderr.slice(-3000)}`));
    },
    (error: Error) => rejectReady(error),
  );
  ready.catch(() => {}); // observed by the test when it awaits it
  return { ready, done, stderr: () => stderr, child: () => cliChild };
}

/** The run directory (under runsRoot) whose owner.json names this harness PID. */
export function runDirOfOwner(runsRoot: string, ownerPid: number): string | null {
  let entries: string[];
  try {
    entries = readdirSync(runsRoot);
  } catch {
    return null;
  }
  for (const entry of entries) {
    try {
      const owner = JSON.parse(readFileSync(join(runsRoot, entry, 'owner.json'), 'utf8')) as { pid?: number };
      if (owner.pid === ownerPid) return join(runsRoot, entry);
    } catch {
      /* not a run dir, or being created/removed */
    }
  }
  return null;
}

/** Server name -> PID (= process group id) from the run directory's pid files. */
export function pidFiles(runDir: string): Map<string, number> {
  const out = new Map<string, number>();
  const dir = join(runDir, 'pids');
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir)) {
    try {
      const pid = Number(readFileSync(join(dir, file), 'utf8').trim().split(/\s+/)[0]);
      if (Number.isInteger(pid) && pid > 1) out.set(file.replace(/\.pid$/, ''), pid);
    } catch {
      /* removed meanwhile */
    }
  }
  return out;
}

export interface ProcInfo {
  pid: number;
  pgid: number;
  /** Field 22 of /proc/PID/stat (start time in clock ticks): tells a reused PID apart. */
  startTime: string;
  comm: string;
  /** The state letter of /proc/PID/stat: R, S, D, T (stopped), ... */
  state: string;
}

function readStat(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is field 3 (state); zombies have exited already (their parent has not reaped them yet).
    if (fields[0] === 'Z') return null;
    return { pid, pgid: Number(fields[2]), startTime: fields[19] ?? '', comm, state: fields[0] ?? '' };
  } catch {
    return null;
  }
}

/** Every live process whose process group is one of these. */
export function membersOfGroups(pgids: Iterable<number>): ProcInfo[] {
  const wanted = new Set(pgids);
  const out: ProcInfo[] = [];
  if (wanted.size === 0) return out;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readStat(Number(entry));
    if (info && wanted.has(info.pgid)) out.push(info);
  }
  return out;
}

/** Those of a snapshot that still run (same PID and same start time). */
export function stillAlive(snapshot: ProcInfo[]): ProcInfo[] {
  return snapshot.filter((p) => readStat(p.pid)?.startTime === p.startTime);
}

/** SIGKILL, by PID, whatever of a snapshot still runs (cleanup after a failed assertion). */
export function killSnapshot(snapshot: ProcInfo[]): void {
  for (const p of stillAlive(snapshot)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

export function describeProcs(procs: ProcInfo[]): string {
  return procs.map((p) => `${p.pid}(${p.comm}, pgid ${p.pgid})`).join(', ');
}
