import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupAlive, killProcess, spawnServer } from '../../harness/topology/local/process-supervisor.js';

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
