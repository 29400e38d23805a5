/**
 * One long-lived /bin/sh that runs commands for the harness. Spawning a child from the harness
 * forks its whole process (hundreds of MB mapped): each `ss` reading of the connection probe
 * stalled the event loop tens of ms, over 100 ms on a loaded machine, enough for the
 * event-loop guard to fire. The shell is spawned once; each command then forks the small
 * shell instead. Commands run one at a time; output ends at a marker line carrying the exit
 * code. The shell exits when its stdin closes: on close(), and when the harness dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A command the shell could not run (exit 127: not found), like spawn's ENOENT. */
export class CommandNotFoundError extends Error {
  readonly code = 'ENOENT';
}

/** argv as one shell word each. */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
}

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export class PersistentShell {
  private child: ChildProcess | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private closed = false;

  /** Runs argv; resolves with its stdout, rejects on a non-zero exit, a timeout, or a shell that died. */
  run(argv: readonly string[], timeoutMs = 10_000): Promise<string> {
    const next = this.queue.then(() => this.runNow(argv, timeoutMs));
    this.queue = next.catch(() => {});
    return next;
  }

  private shell(): ChildProcess {
    if (this.closed) throw new Error('the shell is closed');
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.child;
    // Its own process group: a hung command is killed with it, not left behind.
    const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    child.on('error', () => {});
    child.stdin!.on('error', () => {});
    this.child = child;
    return child;
  }

  private runNow(argv: readonly string[], timeoutMs: number): Promise<string> {
    const child = this.shell();
    const marker = `__psl_end_${++this.seq}_`;
    return new Promise<string>((resolve, reject) => {
      let out = '';
      const finish = (error: Error | null, text = '') => {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve(text);
      };
      const onData = (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const at = out.indexOf(`\n${marker}`);
        if (at === -1) return;
        const end = out.indexOf('\n', at + 1 + marker.length);
        if (end === -1) return;
        const code = Number(out.slice(at + 1 + marker.length, end));
        const stdout = out.slice(0, at);
        if (code === 0) finish(null, stdout);
        else if (code === 127) finish(new CommandNotFoundError(`${argv[0]}: not found`));
        else finish(new Error(`${argv[0]} exited with ${code}`));
      };
      const onExit = () => finish(new Error(`the shell running ${argv[0]} exited`));
      // A command that hangs: the shell's group goes with it, the next command gets a fresh shell.
      const timer = setTimeout(() => {
        finish(new Error(`${argv[0]} did not finish within ${timeoutMs} ms`));
        killGroup(child);
      }, timeoutMs);
      child.stdout!.on('data', onData);
      child.once('exit', onExit);
      // The marker follows on a line of its own even when the output does not end with a newline.
      child.stdin!.write(`${shellQuote(argv)}; printf '\\n${marker}%d\\n' "$?"\n`);
    });
  }

  /** Closes stdin: the shell exits; its group is killed by PID if it has not within a second. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin!.end();
    const timer = setTimeout(() => killGroup(child), 1000);
    await exited;
    clearTimeout(timer);
  }
}
