/**
 * Process lifecycle of the local provider, through the real CLI and real servers: Ctrl-C and
 * SIGTERM under load, a forced second Ctrl-C, a SIGKILLed harness and the next run's
 * clean-up, two runs at once, a start-up that fails half way and Ctrl-C during start-up.
 * After each: no server of the run left, no run directory.
 *
 * "No server left" is checked on the process groups named by the run's pid files (every
 * server is spawned detached: its own group, workers included), and also with
 * processesOfRuns(runId). The latter alone proves little: nginx, PHP-FPM and redis-server
 * overwrite the memory /proc/PID/environ shows with their process title, so their
 * PSL_RUN_ID marker is invisible there.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { processesOfRuns } from '../helpers/run-cli.js';
import {
  describeProcs,
  killSnapshot,
  launchScenario,
  membersOfGroups,
  pidFiles,
  runDirOfOwner,
  waitUntil,
  type LaunchedCli,
  type ProcInfo,
} from '../helpers/lifecycle.js';
import { reapStaleRuns, runsRoot } from '../../harness/topology/local/run-directory.js';
import { killRunProcesses } from '../../harness/topology/local/process-supervisor.js';
import { findBinary } from '../../harness/topology/local/system-binaries.js';
import type { RunResult } from '../../harness/results/result-schema.js';

const RUN_SECONDS = 60;
/** A run under load long enough that an early exit can only come from the signal. */
const loadArgs = (out: string, seconds = RUN_SECONDS) => ['files-roundrobin', '--duration', `${seconds}s`, '--users', '40', '--connections', '4', '--quiet', '--out', out];

/**
 * One test's temp dirs and CLIs. Its after-hook kills, by PID, whatever a failed assertion
 * left running (the CLIs, then every process in the groups of their runs' pid files), then
 * removes the temp dirs.
 */
class Lab {
  readonly runsDir: string | null;
  private readonly dirs: string[] = [];
  private readonly clis: LaunchedCli[] = [];
  private readonly groups = new Set<number>();

  constructor(t: TestContext, options: { privateRunsDir: boolean }) {
    t.after(() => this.cleanup());
    this.runsDir = options.privateRunsDir ? this.tempDir('psl-lifecycle-runs-') : null;
  }

  get root(): string {
    return this.runsDir ?? runsRoot();
  }

  get env(): Record<string, string> {
    return this.runsDir ? { PSL_RUNS_DIR: this.runsDir } : {};
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  launch(args: string[], env: Record<string, string> = {}): LaunchedCli {
    const cli = launchScenario(args, { env: { ...this.env, ...env } });
    this.clis.push(cli);
    return cli;
  }

  track(pgids: Iterable<number>): void {
    for (const pgid of pgids) this.groups.add(pgid);
  }

  private cleanup(): void {
    const runDirs: string[] = [];
    if (this.runsDir) {
      for (const entry of safeReaddir(this.runsDir)) runDirs.push(join(this.runsDir, entry));
    }
    for (const cli of this.clis) {
      const pid = cli.child()?.pid;
      const dir = pid ? runDirOfOwner(this.root, pid) : null;
      if (dir) runDirs.push(dir);
    }
    for (const dir of runDirs) this.track(pidFiles(dir).values());
    for (const cli of this.clis) {
      const child = cli.child();
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const left = membersOfGroups(this.groups);
    killSnapshot(left);
    // Belt and braces: the harness's own reaper on every run directory, before it is deleted.
    for (const dir of runDirs) killRunProcesses(basename(dir), join(dir, 'pids'));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

interface LiveRun {
  child: ChildProcess;
  runDir: string;
  runId: string;
  groups: Map<string, number>;
  snapshot: ProcInfo[];
}

/** Once "stack ready" is printed: the run directory, its pid files and the processes of their groups. */
function inspectLiveRun(lab: Lab, child: ChildProcess): LiveRun {
  assert.ok(child.pid, 'the CLI has a PID');
  const runDir = runDirOfOwner(lab.root, child.pid);
  assert.ok(runDir, `no run directory owned by PID ${child.pid} under ${lab.root}`);
  const groups = pidFiles(runDir);
  lab.track(groups.values());
  for (const name of ['node-1-php-fpm', 'node-1-nginx', 'node-2-php-fpm', 'node-2-nginx', 'node-3-php-fpm', 'node-3-nginx', 'balancer-nginx']) {
    assert.ok(groups.has(name), `no pid file for ${name} in ${runDir}/pids (have ${[...groups.keys()].join(', ')})`);
  }
  const snapshot = membersOfGroups(groups.values());
  for (const [name, pid] of groups) {
    assert.ok(snapshot.some((p) => p.pgid === pid), `${name} (pgid ${pid}) is not running although the stack is ready`);
  }
  return { child, runDir, runId: basename(runDir), groups, snapshot };
}

function readResult(out: string): RunResult {
  const path = join(out, 'result.json');
  assert.ok(existsSync(path), `no ${path}`);
  return JSON.parse(readFileSync(path, 'utf8')) as RunResult;
}

/** Nothing of the run is left: no member of its process groups, no tagged process, no run directory. */
async function assertNothingLeft(run: { runId: string; runDir: string }, groups: Iterable<number>): Promise<void> {
  const pgids = [...groups];
  assert.ok(pgids.length > 0, 'no process group to check');
  // Only absorbs /proc lagging behind a SIGKILL: the harness has exited (or reaped) already.
  await waitUntil(() => membersOfGroups(pgids).length === 0 && processesOfRuns(run.runId).length === 0, 3000);
  const left = membersOfGroups(pgids);
  assert.equal(left.length, 0, `servers of ${run.runId} remain: ${describeProcs(left)}`);
  assert.deepEqual(processesOfRuns(run.runId), [], `processes tagged PSL_RUN_ID=${run.runId} remain`);
  assert.equal(existsSync(run.runDir), false, `run directory ${run.runDir} was not removed`);
}

async function abortUnderLoad(t: TestContext, signal: 'SIGINT' | 'SIGTERM'): Promise<void> {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const cli = lab.launch(loadArgs(out));
  const live = inspectLiveRun(lab, await cli.ready);

  await sleep(2000); // under load
  assert.equal(live.child.exitCode, null, 'the CLI ended before the signal');
  const sentAt = Date.now();
  live.child.kill(signal);
  const run = await cli.done;
  const afterSignalMs = Date.now() - sentAt;

  assert.equal(run.signal, null, `the CLI did not exit by itself (killed by ${run.signal}); stderr:\n${run.stderr.slice(-2000)}`);
  // An aborted run exits 1 (harness error), never 0: its result covers only part of the run.
  assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr.slice(-2000)}`);
  assert.match(run.stderr, new RegExp(`${signal}: stopping the run`));
  assert.match(run.stderr, /run aborted/);
  // Bounded: the load had more than RUN_SECONDS - 3 s to go; it must stop well before that.
  assert.ok(afterSignalMs < (RUN_SECONDS - 20) * 1000, `the CLI took ${afterSignalMs} ms to exit after ${signal}`);
  const result = readResult(out);
  assert.equal(result.runId, live.runId);
  assert.ok(result.durationMs < (RUN_SECONDS - 10) * 1000, `the partial result covers ${result.durationMs} ms`);
  assert.ok(result.requests.total > 0, 'no request was recorded before the signal');
  await assertNothingLeft(live, live.groups.values());
  assert.deepEqual(readdirSync(lab.runsDir!), [], 'the runs directory is not empty');
}

test('SIGINT under load: the run stops by itself, exits 1, leaves no server and no run directory', { timeout: 180_000 }, async (t) => {
  await abortUnderLoad(t, 'SIGINT');
});

test('SIGTERM under load: the run stops by itself, exits 1, leaves no server and no run directory', { timeout: 180_000 }, async (t) => {
  await abortUnderLoad(t, 'SIGTERM');
});

test('a second SIGINT kills every server at once and exits 130', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const cli = lab.launch(loadArgs(out));
  const live = inspectLiveRun(lab, await cli.ready);
  await sleep(1000);
  live.child.kill('SIGINT');
  // The second one as soon as the first has been seen (the graceful stop is then under way or not yet started).
  assert.ok(await waitUntil(() => /SIGINT: stopping the run/.test(cli.stderr()), 10_000), 'the first SIGINT was not acknowledged');
  live.child.kill('SIGINT');
  const run = await cli.done;
  t.diagnostic(`exit code after the second SIGINT: ${run.code}`);
  assert.equal(run.signal, null, `the CLI did not exit by itself (killed by ${run.signal})`);
  // 130 when the second signal won; 1 only when the graceful stop had already finished by
  // then — and then its log must say so. Any other code, or a 1 without it, is a bug.
  const stoppedGracefully = /stack stopped in \d+ ms/.test(run.stderr);
  if (run.code === 1) assert.ok(stoppedGracefully, `exit 1 before the graceful stop finished; stderr:\n${run.stderr.slice(-2000)}`);
  else assert.equal(run.code, 130, `exit code ${run.code}; stderr:\n${run.stderr.slice(-2000)}`);
  const pgids = [...live.groups.values()];
  await waitUntil(() => membersOfGroups(pgids).length === 0, 3000);
  const left = membersOfGroups(pgids);
  assert.equal(left.length, 0, `servers remain after the forced exit: ${describeProcs(left)}`);
  // A forced exit may leave the run directory behind; the next run clears it.
  process.env.PSL_RUNS_DIR = lab.runsDir!;
  try {
    reapStaleRuns();
  } finally {
    delete process.env.PSL_RUNS_DIR;
  }
  assert.equal(existsSync(live.runDir), false, 'the run directory survived the next run');
});

test('SIGKILLed harness: its servers are orphaned, and the next run stops them and removes the directory', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const cli = lab.launch(loadArgs(out));
  const live = inspectLiveRun(lab, await cli.ready);

  live.child.kill('SIGKILL');
  const run = await cli.done;
  assert.equal(run.signal, 'SIGKILL');
  // Orphans: the harness had no chance to stop anything (this proves the checks below can fail).
  for (const [name, pgid] of live.groups) {
    assert.ok(membersOfGroups([pgid]).length > 0, `${name} (pgid ${pgid}) did not outlive the harness`);
  }
  assert.ok(existsSync(live.runDir), 'the killed run left no run directory');

  // What the next run does first (LocalTopology.start calls reapStaleRuns before anything else).
  const previous = process.env.PSL_RUNS_DIR;
  process.env.PSL_RUNS_DIR = lab.runsDir!;
  const messages: string[] = [];
  let reaped: number;
  try {
    reaped = reapStaleRuns((m) => messages.push(m));
  } finally {
    if (previous === undefined) delete process.env.PSL_RUNS_DIR;
    else process.env.PSL_RUNS_DIR = previous;
  }
  assert.equal(reaped, 1, 'the dead run was not reaped');
  await assertNothingLeft(live, live.groups.values());
  assert.ok(messages.some((m) => m.includes(live.runId)), `no clean-up message names ${live.runId}: ${JSON.stringify(messages)}`);
});

test('two scenarios at once in the default runs directory: both pass, distinct runs, nothing left', { timeout: 240_000 }, async (t) => {
  // The default runs directory (or this process's PSL_RUNS_DIR), shared by both runs.
  const lab = new Lab(t, { privateRunsDir: false });
  const outs = [lab.tempDir('psl-lifecycle-a-'), lab.tempDir('psl-lifecycle-b-')];
  const clis = outs.map((out) => lab.launch(loadArgs(out, 8)));
  const children = await Promise.all(clis.map((c) => c.ready));
  const lives = children.map((child) => inspectLiveRun(lab, child));
  const [a, b] = lives as [LiveRun, LiveRun];
  assert.notEqual(a.runDir, b.runDir);
  const shared = [...a.groups.values()].filter((pgid) => [...b.groups.values()].includes(pgid));
  assert.deepEqual(shared, [], 'the two runs share server processes');

  const runs = await Promise.all(clis.map((c) => c.done));
  const results = outs.map(readResult);
  runs.forEach((run, i) => {
    const result = results[i]!;
    const expected = result.thresholds?.passed === false ? 99 : 0;
    assert.equal(run.code, expected, `run ${i + 1}: exit code; stderr:\n${run.stderr.slice(-2000)}`);
    assert.equal(result.runId, lives[i]!.runId);
    assert.ok(result.requests.total > 0, `run ${i + 1} recorded no request`);
    assert.equal(result.requests.connectionErrors, 0, `run ${i + 1} had connection errors (the other run disturbed it?)`);
    assert.equal(result.outcomes.leak, 0, `run ${i + 1} saw another user's session`);
  });
  assert.notEqual(results[0]!.runId, results[1]!.runId);
  for (const live of lives) await assertNothingLeft(live, live.groups.values());
});

/**
 * A bin directory for PSL_BIN_DIRS: the real php-fpm, nginx and redis-server, and a haproxy
 * stub. The balancer starts last, after the nodes; when the stub runs it copies the pid files
 * of the servers already running and its own run id into `seen`, then either fails at once or
 * hangs without ever listening.
 */
async function binDirWithHaproxyStub(lab: Lab, mode: 'fail' | 'hang'): Promise<{ bin: string; seen: string }> {
  const bin = lab.tempDir('psl-lifecycle-bin-');
  const seen = join(bin, 'seen');
  mkdirSync(seen);
  for (const name of ['phpFpm', 'nginx', 'redisServer'] as const) {
    const real = await findBinary(name);
    assert.ok(real, `${name} is not installed`);
    symlinkSync(real, join(bin, basename(real)));
  }
  const stub = join(bin, 'haproxy');
  writeFileSync(
    stub,
    [
      '#!/bin/sh',
      'if [ "$1" = "-v" ]; then echo "HAProxy version 0.0-stub"; exit 0; fi',
      'cfg=""',
      'while [ $# -gt 0 ]; do if [ "$1" = "-f" ]; then cfg="$2"; fi; shift; done',
      'if [ -n "$cfg" ]; then',
      '  run_dir="$(dirname "$(dirname "$cfg")")"',
      `  cp "$run_dir"/pids/*.pid '${seen}'/ 2>/dev/null`,
      `  printf '%s' "$PSL_RUN_ID" > '${seen}/run-id.tmp' && mv '${seen}/run-id.tmp' '${seen}/run-id'`,
      'fi',
      ...(mode === 'fail' ? ['echo "haproxy stub: refusing to start" >&2', 'exit 1'] : ['exec sleep 120']),
      '',
    ].join('\n'),
  );
  chmodSync(stub, 0o755);
  return { bin, seen };
}

/** What the stub saw: the run id and the pid files (server name -> process group). */
function seenByStub(seen: string): { runId: string | null; groups: Map<string, number> } {
  const groups = new Map<string, number>();
  for (const file of readdirSync(seen)) {
    if (!file.endsWith('.pid')) continue;
    groups.set(file.replace(/\.pid$/, ''), Number(readFileSync(join(seen, file), 'utf8').trim().split(/\s+/)[0]));
  }
  const runIdFile = join(seen, 'run-id');
  return { runId: existsSync(runIdFile) ? readFileSync(runIdFile, 'utf8') : null, groups };
}

const affinityArgs = (out: string) => ['files-roundrobin', '--strategy', 'affinity', '--balancer', 'haproxy', '--duration', '5s', '--users', '20', '--connections', '2', '--quiet', '--out', out];

function assertNodesHadStarted(groups: Map<string, number>): void {
  for (const name of ['node-1-php-fpm', 'node-1-nginx', 'node-2-php-fpm', 'node-2-nginx', 'node-3-php-fpm', 'node-3-nginx']) {
    assert.ok(groups.has(name), `${name} had not started before haproxy (have ${[...groups.keys()].join(', ')})`);
  }
}

test('a server failing during start-up: exit 1 naming it, the servers already started are stopped, no run directory', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const { bin, seen } = await binDirWithHaproxyStub(lab, 'fail');
  const run = await lab.launch(affinityArgs(out), { PSL_BIN_DIRS: bin }).done;
  const { runId, groups } = seenByStub(seen);
  lab.track(groups.values());

  assert.equal(run.signal, null);
  assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr.slice(-2000)}`);
  assert.match(run.stderr, /error: .*haproxy.*exited before it was ready/, 'the error does not name the failing server');
  assert.match(run.stderr, /refusing to start/, 'the error does not quote the server log');
  assert.doesNotMatch(run.stderr, /stack ready/);
  assert.ok(runId, 'the haproxy stub never ran');
  assert.match(runId, /^files-roundrobin-/);
  assertNodesHadStarted(groups); // there was something to stop
  await assertNothingLeft({ runId, runDir: join(lab.runsDir!, runId) }, groups.values());
  assert.deepEqual(readdirSync(lab.runsDir!), [], 'the runs directory is not empty');
  assert.equal(existsSync(join(out, 'result.json')), false, 'a failed start wrote a result');
});

test('SIGINT during start-up (balancer not ready yet): stops at once, exits 1, leaves nothing', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const { bin, seen } = await binDirWithHaproxyStub(lab, 'hang');
  const cli = lab.launch(affinityArgs(out), { PSL_BIN_DIRS: bin });
  // The stub is running (it never listens): the harness is waiting for the balancer.
  assert.ok(await waitUntil(() => existsSync(join(seen, 'run-id')), 30_000), `the haproxy stub never ran; stderr:\n${cli.stderr()}`);
  const { runId, groups } = seenByStub(seen);
  assert.ok(runId);
  const runDir = join(lab.runsDir!, runId);
  const pgids = [...groups.values(), ...pidFiles(runDir).values()]; // with the stub's own pid file
  lab.track(pgids);
  assertNodesHadStarted(groups);
  const child = cli.child();
  assert.ok(child?.pid, 'the CLI has not written anything yet');
  child.kill('SIGINT');
  const run = await cli.done;

  assert.equal(run.signal, null, `the CLI did not exit by itself (killed by ${run.signal})`);
  assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr.slice(-2000)}`);
  assert.match(run.stderr, /SIGINT: stopping the run/);
  // It stopped on the signal, not on the readiness timeout of the balancer.
  assert.doesNotMatch(run.stderr, /not ready after/);
  assert.doesNotMatch(run.stderr, /stack ready/);
  await assertNothingLeft({ runId, runDir }, pgids);
  assert.deepEqual(readdirSync(lab.runsDir!), [], 'the runs directory is not empty');
});

test('SIGINT while a node and Redis are stopped (node-hang, redis-hang): both are continued, then stopped; nothing is left', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const scenario = join(lab.tempDir('psl-lifecycle-scenario-'), 'hung.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      name: 'hung',
      topology: { nodes: 3, strategy: 'redis', balancer: 'nginx' },
      workload: { users: 60, connections: 4, duration: `${RUN_SECONDS}s` },
      faults: [
        { type: 'node-hang', target: 'node-2', at: '1s' },
        { type: 'redis-hang', target: 'redis', at: '1s' },
      ],
    }),
  );
  const cli = lab.launch([scenario, '--quiet', '--out', out]);
  const live = inspectLiveRun(lab, await cli.ready);
  assert.ok(await waitUntil(() => /node-2 hung/.test(cli.stderr()) && /Redis hung/.test(cli.stderr()), 20_000), `the hangs were not applied; stderr:\n${cli.stderr()}`);
  // Every member of node-2's and Redis's groups is stopped (state T) now.
  const hung = ['node-2-php-fpm', 'node-2-nginx', 'redis'].map((name) => live.groups.get(name)!);
  assert.ok(await waitUntil(() => membersOfGroups(hung).every((p) => p.state === 'T'), 5000), `not stopped: ${describeProcs(membersOfGroups(hung))}`);
  live.child.kill('SIGINT');
  const run = await cli.done;
  assert.equal(run.signal, null, `the CLI did not exit by itself (killed by ${run.signal})`);
  assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr.slice(-2000)}`);
  // The heal at teardown continued both before the stack stopped them.
  assert.match(run.stderr, /node-2 continued \(SIGCONT\)/);
  assert.match(run.stderr, /Redis continued \(SIGCONT\)/);
  assert.match(run.stderr, /stack stopped in \d+ ms/);
  await assertNothingLeft(live, live.groups.values());
});

test('SIGINT under load with a Redis Cluster: every redis-server of the cluster is stopped; nothing is left', { timeout: 180_000 }, async (t) => {
  const lab = new Lab(t, { privateRunsDir: true });
  const out = lab.tempDir('psl-lifecycle-out-');
  const cli = lab.launch(['rediscluster-failover', '--duration', `${RUN_SECONDS}s`, '--users', '40', '--connections', '4', '--quiet', '--out', out]);
  const live = inspectLiveRun(lab, await cli.ready);
  const clusterGroups = [...live.groups.entries()].filter(([name]) => /^redis-\d+$/.test(name));
  // 3 masters x 1 replica, each its own process group with a pid file.
  assert.equal(clusterGroups.length, 6, `cluster pid files: ${clusterGroups.map(([n]) => n).join(', ')}`);
  assert.ok(membersOfGroups(clusterGroups.map(([, pid]) => pid)).length >= 6, 'the cluster nodes are not all running');
  await sleep(1500);
  live.child.kill('SIGINT');
  const run = await cli.done;
  assert.equal(run.signal, null, `the CLI did not exit by itself (killed by ${run.signal})`);
  assert.equal(run.code, 1, `exit code; stderr:\n${run.stderr.slice(-2000)}`);
  await assertNothingLeft(live, live.groups.values());
});
