import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { membersOfGroups } from '../helpers/lifecycle.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupAlive, killProcess, pauseProcess, resumeProcess, spawnServer, stopProcess } from '../../harness/topology/local/process-supervisor.js';

test('a process group whose members are dead counts as gone, even when they linger as zombies nobody reaps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-zombie-'));
  try {
    // Like PHP-FPM: a leader with two workers. SIGKILL orphans the workers to PID 1, which on a
    // bare container or CI runner never reaps them.
    const proc = spawnServer({ name: 'group', command: 'sh', args: ['-c', 'sleep 60 & sleep 60 & wait'], runId: 'zombie-test', pidsDir: dir, logFile: join(dir, 'log') });
    for (let i = 0; i < 100 && !groupAlive(proc.pid); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(groupAlive(proc.pid), true, 'the running group was not seen');
    let waited = false;
    const guard = new Promise<void>((r) => setTimeout(() => ((waited = true), r()), 1500));
    await Promise.race([killProcess(proc, dir), guard]);
    // The old check (kill(-pgid, 0)) succeeds on zombies: the kill waited its whole 2 s limit.
    assert.equal(waited, false, 'killProcess still waited for a group of zombies');
    assert.equal(groupAlive(proc.pid), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stopped (SIGSTOP) group is continued before it is stopped: it ends by the SIGTERM, not by the SIGKILL that follows the grace period', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-paused-'));
  try {
    const proc = spawnServer({ name: 'paused', command: 'sh', args: ['-c', 'sleep 60 & sleep 60 & wait'], runId: 'pause-test', pidsDir: dir, logFile: join(dir, 'log') });
    t.after(() => killGroupNow(proc.pid));
    // The leader and both sleeps: paused earlier, a member still forking would be missing.
    for (let i = 0; i < 300 && groupStates(proc.pid).length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    pauseProcess(proc);
    // The whole group is stopped (state T), as a hung node's PHP-FPM and nginx are.
    const states = () => groupStates(proc.pid);
    for (let i = 0; i < 100 && !states().every((s) => s === 'T'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(states().length >= 3 && states().every((s) => s === 'T'), `not every member stopped: ${states().join(',')}`);
    // Without a SIGCONT the SIGTERM would stay pending until the SIGKILL after 5 s.
    await stopProcess(proc, dir, 5000);
    const { signal } = await proc.exited;
    assert.equal(signal, 'SIGTERM');
    assert.equal(groupAlive(proc.pid), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pause and resume: a stopped group answers again after SIGCONT', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-resume-'));
  try {
    const proc = spawnServer({ name: 'resume', command: 'sh', args: ['-c', 'sleep 60 & wait'], runId: 'resume-test', pidsDir: dir, logFile: join(dir, 'log') });
    for (let i = 0; i < 100 && !groupAlive(proc.pid); i++) await new Promise((r) => setTimeout(r, 10));
    pauseProcess(proc);
    for (let i = 0; i < 100 && !groupStates(proc.pid).every((s) => s === 'T'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(groupStates(proc.pid).every((s) => s === 'T'));
    resumeProcess(proc);
    for (let i = 0; i < 100 && groupStates(proc.pid).some((s) => s === 'T'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(groupStates(proc.pid).every((s) => s !== 'T'), `still stopped: ${groupStates(proc.pid).join(',')}`);
    await stopProcess(proc, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The /proc state letter of every member of a process group. */
/** After a failed assertion: the group must not outlive the test (a stopped child would hold the runner forever). */
function killGroupNow(pgid: number): void {
  for (const signal of ['SIGCONT', 'SIGKILL'] as const) {
    try {
      process.kill(-pgid, signal);
    } catch {
      /* gone */
    }
  }
}

function groupStates(pgid: number): string[] {
  return membersOfGroups([pgid]).map((p) => p.state);
}
