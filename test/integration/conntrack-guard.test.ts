/**
 * A run the machine spoiled is flagged, not judged: the conntrack table is made small on
 * purpose (nf_conntrack_max just above what is in use), a short real load goes through the
 * CLI, and the run must end `invalid` naming conntrack and its fix (exit 99), not as session
 * loss. nf_conntrack_max is restored in a finally.
 *
 * Where conntrack already tracks this network namespace (Docker, a stateful iptables rule),
 * the run happens here. Where it is loaded but tracks nothing here (count stays 0), and we are
 * root with unshare and iptables, the run happens in a private network namespace where one
 * conntrack rule turns tracking on: only the run's own connections are tracked, the host's
 * traffic is not (nf_conntrack_max is one global limit, checked against each namespace's own
 * count). Otherwise the test is skipped with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONNTRACK_PATHS } from '../../harness/guards/conntrack.js';
import { probeConntrackActive } from '../../harness/guards/machine-limits.js';
import { readProcText } from '../../harness/guards/proc-files.js';
import { projectRoot } from '../../harness/util/project-root.js';
import { runsRoot } from '../../harness/topology/local/run-directory.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { leakedServers, runCli, serverPids, type CliRun } from '../helpers/run-cli.js';

/** The servers among `pids` started for run `runId` (their command line, or their parent's, names its run directory). */
function ofRun(pids: number[], runId: string): number[] {
  const cmdline = (pid: number | string) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    } catch {
      return '';
    }
  };
  const parent = (pid: number) => /^\d+ \(.*\) \S (\d+)/.exec(cmdline(pid) === '' ? '' : readFileSync(`/proc/${pid}/stat`, 'latin1'))?.[1] ?? '0';
  return pids.filter((pid) => cmdline(pid).includes(runId) || cmdline(parent(pid)).includes(runId));
}

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

/** How the test can get a tracked, small table here, or why it cannot. */
async function plan(): Promise<{ mode: 'here' | 'netns' } | { skip: string }> {
  try {
    readProcText(CONNTRACK_PATHS.count);
  } catch {
    return { skip: `${CONNTRACK_PATHS.count} does not exist: netfilter connection tracking is not loaded on this machine` };
  }
  if (process.getuid?.() !== 0) return { skip: 'not root: the test must lower net.netfilter.nf_conntrack_max' };
  try {
    accessSync(CONNTRACK_PATHS.max, constants.W_OK);
  } catch {
    return { skip: `${CONNTRACK_PATHS.max} is not writable here (a container or a network namespace other than the host's)` };
  }
  if (await probeConntrackActive(readProcText)) return { mode: 'here' };
  const missing = ['unshare', 'ip', 'iptables'].filter((b) => !has(b));
  if (missing.length > 0) {
    return { skip: `conntrack is loaded but tracks nothing here (nf_conntrack_count stays 0 with traffic: no Docker or stateful iptables rule), and ${missing.join(', ')} is missing to make a private namespace that tracks` };
  }
  return { mode: 'netns' };
}

function runScenarioIn(mode: 'here' | 'netns', args: string[]): Promise<CliRun> {
  if (mode === 'here') return runCli('scenario.ts', args, { timeoutMs: 240_000 });
  const cli = join(projectRoot, 'harness', 'cli', 'scenario.ts');
  const setup = 'ip link set lo up && iptables -w -A INPUT -i lo -m conntrack --ctstate NEW -j ACCEPT && exec "$0" "$@"';
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'sh', '-c', setup, process.execPath, '--import', 'tsx', cli, ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** nf_conntrack_count once two readings 1 s apart differ by less than 100 (at most 30 s). */
async function settledConntrackCount(): Promise<number> {
  const read = () => Number(readProcText(CONNTRACK_PATHS.count).trim());
  let last = read();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = read();
    if (Math.abs(now - last) < 100) return now;
    last = now;
  }
  return last;
}

test('a conntrack table too small for the load: the run is invalid, names conntrack and the fix, exit 99, and is not reported as session loss', async (t) => {
  const how = await plan();
  if ('skip' in how) {
    t.skip(how.skip);
    return;
  }
  const original = readProcText(CONNTRACK_PATHS.max).trim();
  // In a private namespace the count starts at 0; here it is the host's count once it has
  // settled: the previous test's TIME_WAIT entries expire meanwhile, and a table set just
  // above a count that is still draining makes room as fast as the run fills it.
  const inUse = how.mode === 'here' ? await settledConntrackCount() : 0;
  const small = inUse + 200;
  t.diagnostic(`mode ${how.mode}: nf_conntrack_max ${original} -> ${small} for the run (in use ${inUse})`);
  const dir = mkdtempSync(join(tmpdir(), 'psl-conntrack-'));
  const out = join(dir, 'out');
  const before = serverPids();
  let cli: CliRun;
  try {
    writeFileSync(CONNTRACK_PATHS.max, String(small));
    cli = await runScenarioIn(how.mode, ['redis-failover', '--duration', '6s', '--users', '100', '--connections', '8', '--quiet', '--out', out]);
  } finally {
    writeFileSync(CONNTRACK_PATHS.max, original);
  }
  try {
    assert.equal(readProcText(CONNTRACK_PATHS.max).trim(), original, 'nf_conntrack_max restored');
    const all = cli.stdout + cli.stderr.slice(-3000);
    assert.equal(cli.code, 99, all);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    // Other runs may start servers meanwhile on a shared machine: only ours count.
    assert.deepEqual(ofRun(leakedServers(before), result.runId), [], 'servers of this run left running');
    assert.equal(existsSync(join(runsRoot(), result.runId)), false, 'the run directory is removed once its servers are stopped');
    const guard = result.guards?.guards.find((g) => g.name === 'conntrack');
    assert.equal(guard?.status, 'fired', JSON.stringify(result.guards));
    assert.ok(guard.firedAtMs !== null && guard.firedAtMs >= 0 && guard.firedAtMs <= result.durationMs + 1000, `fired at ${guard.firedAtMs} ms`);
    assert.ok(Number(guard.summary.drop) + Number(guard.summary.earlyDrop) > 0, JSON.stringify(guard.summary));
    assert.equal(guard.summary.max, small);
    t.diagnostic(`conntrack: peak ${guard.summary.countPeak} of ${guard.summary.max}, drop +${guard.summary.drop}, fired at ${guard.firedAtMs} ms`);

    // Invalid, the machine named first, with the fix; never a session-loss verdict.
    assert.equal(result.verdict?.status, 'invalid');
    assert.match(result.verdict!.reasons[0]!, /^environment conntrack: the machine spoiled the run .*table full, dropping packet.* fix: raise the table: sysctl -w net\.netfilter\.nf_conntrack_max=\d+ .*iptables -t raw -A PREROUTING -i lo -j NOTRACK/);
    const lines = cli.stdout.split('\n');
    // Another guard may fire too on a shared machine (pre-run-load): conntrack must be among them.
    const invalidAt = lines.findIndex((l) => /^ {2}INVALID {4}the machine spoiled this run \((.+, )?conntrack(, .+)?\)/.test(l));
    const usersAt = lines.findIndex((l) => l.startsWith('  users'));
    assert.ok(invalidAt > 0 && invalidAt < usersAt, `the summary says INVALID before any figure:\n${cli.stdout}`);
    assert.match(lines[usersAt]!, /\(not judged: the run is invalid\)$/);
    assert.match(cli.stdout, /verdict {4}INVALID \(exit 99\): the machine spoiled the run/);
    assert.doesNotMatch(cli.stdout, /verdict {4}FAILED/);
    assert.match(cli.stderr, /guard conntrack fired at \d+\.\d s: .* \(the run will be invalid\)/);

    // The gate recomputes the checks from the result: the same environment failure.
    const gate = await runCli('gate.ts', [join(out, 'result.json'), '--no-summary', '--no-write-result']);
    assert.equal(gate.code, 99, gate.stdout + gate.stderr);
    assert.match(gate.stdout, /FAIL environment conntrack: the machine spoiled the run/);

    // The report marks where it fired.
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.match(html, /Environment guards fired .*conntrack fired/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
