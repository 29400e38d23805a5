/**
 * Runs the embedded Toxiproxy server as a child process (its CLI) and waits for the
 * `toxiproxy listening on URL` line. The child gets --exit-with-parent, so it also stops
 * if this process dies without calling stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ReadinessTimeoutError } from '../errors.js';

export interface SpawnToxiproxyOptions {
  host?: string;
  /** 0 (default) = a free port. */
  port?: number;
  /** Let proxies listen beyond loopback (--allow-non-loopback; default false). */
  allowNonLoopback?: boolean;
  /** Log connection events too (default false: the harness opens thousands). */
  logConnections?: boolean;
  /** Receives the child's stderr lines (API calls, connection events). */
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface SpawnedToxiproxy {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the child has exited. */
  stop(): Promise<void>;
}

const cli = fileURLToPath(new URL('../cli/toxiproxy.ts', import.meta.url));
const LINE = /^toxiproxy listening on (http:\/\/\S+:(\d+))$/m;

export async function spawnToxiproxyServer(options: SpawnToxiproxyOptions = {}): Promise<SpawnedToxiproxy> {
  const args = ['--import', import.meta.resolve('tsx'), cli, '--host', options.host ?? '127.0.0.1'];
  args.push('--port', String(options.port ?? 0), '--exit-with-parent');
  if (!options.logConnections) args.push('--quiet');
  if (options.allowNonLoopback) args.push('--allow-non-loopback');
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderrTail = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-2000);
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) options.log?.(line);
  });
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ReadinessTimeoutError(`toxiproxy server did not print its URL within ${timeoutMs} ms: ${stderrTail.trim()}`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ReadinessTimeoutError(`toxiproxy server exited with ${code} before listening: ${stderrTail.trim()}`));
    });
  });
  child.stdout!.resume();
  return {
    url: match[1]!,
    port: Number(match[2]),
    pid: child.pid!,
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
