/**
 * The embedded Toxiproxy-compatible server for a docker run: a host process (like the local
 * provider's) bound on the run network's gateway address. Containers reach its proxies there;
 * the proxies reach containers on their fixed addresses; the harness reaches the API there too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { HarnessError } from '../../errors.js';
import { projectRoot } from '../../util/project-root.js';

export interface HostToxiproxy {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startHostToxiproxy(host: string, signal?: AbortSignal): Promise<HostToxiproxy> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'harness', 'cli', 'toxiproxy.ts'), '--host', host, '--port', '0', '--quiet', '--exit-with-parent'],
    // stdin stays open as a pipe: when the harness dies it closes, and the server exits.
    { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HarnessError(`toxiproxy server did not start within 15 s: ${stderr.trim()}`)), 15_000);
    const abort = () => reject(signal!.reason);
    signal?.addEventListener('abort', abort, { once: true });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new HarnessError(`unexpected first line from toxiproxy server: ${line}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new HarnessError(`toxiproxy server exited (${code}) before listening: ${stderr.trim()}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  child.stdout!.resume();
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // SIGKILL: a graceful close would wait for proxied connections whose container is
      // already gone (no FIN/RST ever comes), up to the server's 5 s force-exit.
      child.kill('SIGKILL');
      await exited;
    },
  };
}
