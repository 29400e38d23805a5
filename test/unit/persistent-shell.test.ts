import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { PersistentShell, shellQuote, CommandNotFoundError } from '../../harness/topology/local/persistent-shell.js';

/** Whether a running process (zombies aside: PID 1 may not reap here) of the group led by pid is left. */
const alive = (pid: number) =>
  readdirSync('/proc').some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      // pid (comm) state ppid pgrp ...: comm may hold spaces, read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pid && state !== 'Z';
    } catch {
      return false;
    }
  });

test('one shell runs every command: stdout exactly, arguments quoted, exit codes and missing commands told apart', async () => {
  const shell = new PersistentShell();
  try {
    assert.equal(await shell.run(['printf', '%s|', "it's", '$HOME', '`id`', 'a b']), "it's|$HOME|`id`|a b|");
    // No trailing newline in the output: the marker still ends it.
    assert.equal(await shell.run(['printf', 'x']), 'x');
    assert.equal(await shell.run(['printf', 'two\\nlines\\n']), 'two\nlines\n');
    await assert.rejects(shell.run(['false']), /false exited with 1/);
    await assert.rejects(shell.run(['psl-no-such-command-xyz']), (e) => e instanceof CommandNotFoundError && e.code === 'ENOENT');
    // Many at once: queued, each gets its own output.
    const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => shell.run(['echo', String(i)])));
    assert.deepEqual(outs, Array.from({ length: 20 }, (_, i) => `${i}\n`));
    // The same shell ran them all: its PID is the one `$PPID` of each command names.
    const parents = new Set(await Promise.all([1, 2, 3].map(() => shell.run(['sh', '-c', 'echo $PPID']))));
    assert.equal(parents.size, 1);
  } finally {
    await shell.close();
  }
});

test('a command that hangs is cut at its timeout, the shell with it (by PID); the next command gets a fresh shell; close() ends it', async () => {
  const shell = new PersistentShell();
  const pidOf = async () => Number((await shell.run(['sh', '-c', 'echo $PPID'])).trim());
  const first = await pidOf();
  await assert.rejects(shell.run(['sleep', '30'], 200), /did not finish within 200 ms/);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(first), false, 'the hung shell and its sleep were killed (no process left in its group)');
  const second = await pidOf();
  assert.notEqual(second, first);
  await shell.close();
  assert.equal(alive(second), false, 'close() ended the shell and its group');
  await assert.rejects(shell.run(['true']), /closed/);
});

test('shellQuote: single quotes survive', () => {
  assert.equal(shellQuote(["a'b", 'c']), "'a'\\''b' 'c'");
});
