/** One redis-server process of the local provider: spawned, then ready when its log says so. */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { HarnessError } from '../../errors.js';
import { waitForTcp } from '../readiness.js';
import { spawnServer, type ManagedProcess } from './process-supervisor.js';

export interface RedisProcessOptions {
  name: string;
  command: string;
  /** Every redis-server argument but --port, --bind and the logging ones. */
  args: string[];
  host: string;
  port: number;
  runId: string;
  pidsDir: string;
  logFile: string;
  signal?: AbortSignal;
}

/** How many times redis-server has logged that it is ready. */
function readyLines(logFile: string): number {
  try {
    return readFileSync(logFile, 'utf8').split('Ready to accept connections').length - 1;
  } catch {
    return 0;
  }
}

export function logTail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

/** Starts redis-server and resolves once it accepts connections. */
export async function startRedisProcess(o: RedisProcessOptions): Promise<ManagedProcess> {
  // Ready = its log says so (a TCP probe would be one more connection in its counters).
  const readyBefore = readyLines(o.logFile);
  const proc = spawnServer({
    name: o.name,
    command: o.command,
    args: ['--port', String(o.port), '--bind', o.host, ...o.args, '--daemonize', 'no', '--logfile', ''],
    runId: o.runId,
    pidsDir: o.pidsDir,
    logFile: o.logFile,
  });
  const deadline = performance.now() + 10_000;
  while (readyLines(o.logFile) <= readyBefore) {
    if (proc.hasExited()) throw new HarnessError(`${o.name} (redis-server) exited: ${logTail(o.logFile)}`);
    if (performance.now() > deadline) break; // the TCP wait below names the problem
    o.signal?.throwIfAborted();
    await sleep(5);
  }
  // It listens before it logs that it is ready; without that line, a TCP probe says why not.
  if (readyLines(o.logFile) <= readyBefore) {
    await waitForTcp(`${o.name} (redis-server)`, o.host, o.port, { signal: o.signal, isDead: () => (proc.hasExited() ? logTail(proc.logFile) : null) });
  }
  return proc;
}
