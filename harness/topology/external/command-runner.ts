/**
 * Runs the user's commands of an external deployment (`sh -c`), one at a time per call, each
 * with a timeout: a command still running then is killed with its whole process group
 * (it runs in a group of its own), and the call fails. Every command's stdout and stderr go to
 * files of the output directory, numbered in the order they ran, and commands.log lists each
 * command with its exit status and duration.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HarnessError } from '../../errors.js';
import { errorLine, oneLine } from '../../util/one-line.js';

export interface CommandOutcome {
  /** Exit code, null when it was killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
  stdoutFile: string;
  stderrFile: string;
}

/** Process groups of commands still running, killed if the harness exits first. */
const running = new Set<number>();
let exitHook = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export class CommandRunner {
  private seq = 0;

  constructor(
    /** Where the output files go (created on the first command). */
    readonly dir: string,
    readonly timeoutMs: number,
  ) {}

  /** Runs one command; `label` names its output files ("kill-node-2"). Never throws for the command's own failure. */
  async run(label: string, command: string, env: Record<string, string> = {}): Promise<CommandOutcome> {
    mkdirSync(this.dir, { recursive: true });
    const base = join(this.dir, `${String(++this.seq).padStart(3, '0')}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    const stdoutFile = `${base}.stdout.log`;
    const stderrFile = `${base}.stderr.log`;
    const out = openSync(stdoutFile, 'w');
    const err = openSync(stderrFile, 'w');
    const t0 = performance.now();
    let child;
    try {
      // Its own process group (detached): a timeout kills everything it started that stayed in it.
      child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', out, err], env: { ...process.env, ...env } });
    } finally {
      closeSync(out);
      closeSync(err);
    }
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => running.forEach(killGroup));
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, this.timeoutMs);
    // 'exit', not 'close': a daemon the command started keeps no pipe of ours open (its output goes to files).
    const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (c, s) => resolve({ code: c, signal: s }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    clearTimeout(timer);
    if (pid !== undefined) running.delete(pid);
    const ms = Math.round(performance.now() - t0);
    const status = timedOut ? `timed out after ${this.timeoutMs} ms (killed)` : code !== null ? `exit ${code}` : `killed by ${signal ?? 'an error'}`;
    appendFileSync(join(this.dir, 'commands.log'), `${new Date().toISOString()} ${label} ${status} in ${ms} ms: ${oneLine(command)}\n`);
    return { code, signal, timedOut, ms, stdoutFile, stderrFile };
  }

  /** Runs a command that must succeed: a non-zero exit or a timeout throws, naming the command's field, the cause and the output files. */
  async runOrThrow(what: string, label: string, command: string, env: Record<string, string> = {}): Promise<CommandOutcome> {
    const outcome = await this.run(label, command, env);
    if (outcome.code === 0 && !outcome.timedOut) return outcome;
    const why = outcome.timedOut
      ? `timed out after ${this.timeoutMs} ms and was killed`
      : outcome.code !== null
        ? `exited ${outcome.code} after ${outcome.ms} ms`
        : `was killed by ${outcome.signal ?? 'an error'}`;
    throw new HarnessError(`${what} ${why}${lastLine(outcome.stderrFile)} (output: ${outcome.stderrFile})`);
  }
}

/** ": <the last line of stderr>", or nothing. */
function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    return lines.length ? `: ${errorLine(lines[lines.length - 1]!, 200)}` : '';
  } catch {
    return '';
  }
}
