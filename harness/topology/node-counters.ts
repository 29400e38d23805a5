/**
 * Connection counters of the nodes: each node's nginx stub_status (one connection and one
 * request of the harness's own per read) and the kernel's sockets of the PHP-FPM ports, with `ss` (the kernel filters by port; -e gives each socket's cookie) or
 * /proc/net/tcp when ss is missing (slower, and its entries are told apart less surely).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { NGINX_STATUS_PATH } from './config/nginx-node-config.js';
import { parseProcNetTcp, parseSsOutput, parseStubStatus, type FpmSockets, type StubStatus } from './connection-counters.js';

/** GET the status page on a connection of its own (Connection: close): exactly one accept and one request. */
export function readStubStatus(host: string, port: number, timeoutMs = 2000): Promise<StubStatus | null> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: NGINX_STATUS_PATH, agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? parseStubStatus(`X-Nginx-Pid: ${String(res.headers['x-nginx-pid'] ?? '')}\n\n${body}`) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 256 * 1024 * 1024, timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

let ssMissing = false;

/** Runs a command and gives its stdout (a spawn of its own, or a PersistentShell's run). */
export type CommandRunner = (command: string, args: string[]) => Promise<string>;

/**
 * The sockets of these ports (PHP-FPM's), in this network namespace or, with `netnsOfPid`, in
 * that process's (nsenter: a container's, from the host). `runner`: how `ss` is run (a
 * long-lived shell spares the harness a fork per reading).
 */
export async function readFpmSockets(ports: readonly number[], netnsOfPid?: number, runner: CommandRunner = run): Promise<Map<number, FpmSockets>> {
  if (ports.length === 0) return new Map();
  const ss = ['-tanoeH', `( ${ports.map((p) => `sport = :${p} or dport = :${p}`).join(' or ')} )`];
  // Another namespace: nsenter + ss or nothing (this namespace's /proc/net/tcp is not that one's).
  if (netnsOfPid !== undefined) return parseSsOutput(await runner('nsenter', ['-t', String(netnsOfPid), '-n', 'ss', ...ss]), ports);
  if (!ssMissing) {
    try {
      return parseSsOutput(await runner('ss', ss), ports);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      ssMissing = true;
    }
  }
  return parseProcNetTcp(await readFile('/proc/net/tcp', 'utf8'), ports);
}
