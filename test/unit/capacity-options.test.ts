/** The capacity command's flags: every bad one exits 104 with one line naming it, before anything starts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCapacityArgs } from '../../harness/capacity/capacity-options.js';
import { InvalidInputError } from '../../harness/errors.js';
import { runCli } from '../helpers/run-cli.js';

const ok = ['redis-failover', '--target-rps', '3000', '--p99', '250ms'];

test('good flags parse, with their defaults', () => {
  const o = parseCapacityArgs([...ok, '--nodes', '3,1,2', '--utilization', '0.6', '--cores-per-node', '4', '--users', '5000', '--quick'])!;
  assert.equal(o.targetRps, 3000);
  assert.equal(o.p99Ms, 250);
  assert.deepEqual(o.nodes, [1, 2, 3]);
  assert.equal(o.utilization, 0.6);
  assert.equal(o.coresPerNode, 4);
  assert.equal(o.users, 5000);
  assert.equal(o.stepMs, 4000);
  const d = parseCapacityArgs(ok)!;
  assert.deepEqual(d.nodes, [1, 2]);
  assert.equal(d.utilization, 0.7);
  assert.equal(d.visitSpanS, 600);
  assert.equal(parseCapacityArgs(['--help']), null);
});

const bad: Array<[string[], RegExp]> = [
  [['redis-failover', '--p99', '250ms'], /^--target-rps is missing/],
  [['redis-failover', '--target-rps', '3000'], /^--p99 is missing/],
  [[...ok.slice(0, 1), '--target-rps', 'lots', '--p99', '250ms'], /^--target-rps "lots": expected/],
  [[...ok.slice(0, 1), '--target-rps=-5', '--p99', '250ms'], /^--target-rps "-5": expected/],
  [[...ok.slice(0, 1), '--target-rps', '-5', '--p99', '250ms'], /--target-rps/],
  [[...ok.slice(0, 1), '--target-rps', '3000', '--p99', '250'], /^--p99 "250": expected a duration/],
  [[...ok, '--nodes', '1,,2'], /^--nodes "": expected an integer/],
  [[...ok, '--nodes', '0'], /^--nodes "0": expected an integer from 1 to 16/],
  [[...ok, '--nodes', '2,2'], /^--nodes "2,2": expected distinct/],
  [[...ok, '--utilization', '1.5'], /^--utilization "1.5": expected a share/],
  [[...ok, '--utilization', '0'], /^--utilization "0": expected a share/],
  [[...ok, '--cores-per-node', 'four'], /^--cores-per-node "four": expected/],
  [[...ok, '--users', '1e3'], /^--users "1e3": expected an integer/],
  [[...ok, '--visit-span', 'forever'], /^--visit-span "forever": expected a duration/],
  [[...ok, '--step-duration', '1s'], /^--step-duration "1s": expected a duration from/],
  [[...ok, '--bogus'], /Unknown option '--bogus'/],
  [['--target-rps', '1', '--p99', '1s'], /^name one scenario/],
];

for (const [args, message] of bad) {
  test(`refused: ${args.slice(1).join(' ') || args.join(' ')}`, () => {
    assert.throws(
      () => parseCapacityArgs(args),
      (error: unknown) => error instanceof InvalidInputError && message.test(error.message) && !error.message.includes('\n'),
    );
  });
}

test('the CLI exits 104 with one line naming the flag, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-cap-flags-'));
  try {
    const out = join(dir, 'out');
    for (const [args, flag] of [
      [[...ok, '--utilization', '2', '--out', out], '--utilization'],
      [['redis-failover', '--target-rps', 'x', '--p99', '250ms', '--out', out], '--target-rps'],
      [['no-such-scenario', '--target-rps', '10', '--p99', '250ms', '--out', out], 'no-such-scenario'],
    ] as const) {
      const run = await runCli('capacity.ts', [...args], { timeoutMs: 60_000 });
      assert.equal(run.code, 104, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.ok(lines[0]!.includes(flag), run.stderr);
      assert.equal(existsSync(out), false, 'nothing written');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
