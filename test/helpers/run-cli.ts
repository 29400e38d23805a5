/** Runs a CLI of the harness as a child process and collects its output. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult } from '../../harness/results/result-schema.js';
import { projectRoot } from '../../harness/util/project-root.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  cli: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; onStderr?: (text: string, child: import('node:child_process').ChildProcess) => void } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'harness', 'cli', cli), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** PIDs of processes carrying PSL_RUN_ID (all runs, or one run) in their environment. */
export function processesOfRuns(runId?: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const vars = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
      if (vars.some((v: string) => (runId ? v === `PSL_RUN_ID=${runId}` : v.startsWith('PSL_RUN_ID=')))) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

const serverNames = /^(php-fpm[\d.]*|nginx|redis-server|haproxy)$/;

/**
 * PIDs of server processes (php-fpm, nginx, redis-server, haproxy) now running. Their
 * /proc/PID/environ is overwritten by their process titles, so the PSL_RUN_ID marker cannot
 * find them: take a snapshot before a run and compare after it (leakedServers).
 */
export function serverPids(): Set<number> {
  const out = new Set<number>();
  // Servers inside containers (the docker provider) live in another PID namespace: not ours.
  const ownNamespace = readlinkSync('/proc/self/ns/pid');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (!serverNames.test(comm) || readlinkSync(`/proc/${entry}/ns/pid`) !== ownNamespace) continue;
      // A zombie is dead (a killed worker its killed master never reaped, waiting for PID 1): not running.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      out.add(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Servers started since the snapshot and still running (the harness should have stopped them). */
export function leakedServers(before: Set<number>): number[] {
  return [...serverPids()].filter((pid) => !before.has(pid));
}

/**
 * `npm run scenario <name> --out <temp> --quiet <args>` with its result.json read back, after
 * checking that the run left no process and no server behind. The temp directory is removed.
 */
export async function runScenarioCli(name: string, args: string[]): Promise<{ result: RunResult; cli: CliRun }> {
  const dir = mkdtempSync(join(tmpdir(), `psl-${name}-`));
  const before = serverPids();
  try {
    const cli = await runCli('scenario.ts', [name, '--out', dir, '--quiet', ...args]);
    assert.ok(existsSync(join(dir, 'result.json')), `no result.json: ${cli.stderr.slice(-2000)}`);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
    assert.deepEqual(processesOfRuns(result.runId), [], 'processes left running');
    assert.deepEqual(leakedServers(before), [], 'php-fpm/nginx/haproxy/redis-server left running');
    return { result, cli };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
