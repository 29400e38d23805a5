/**
 * Verdicts you can trust, end to end on the real servers: a dead stack is not a pass, a fault
 * that did not happen fails the run and is drawn as failed, and a dropped write answered 200
 * shows up as `unsaved`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, serverPids, leakedServers } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

function scenarioFile(dir: string, scenario: Record<string, unknown>): string {
  const path = join(dir, `${scenario.name as string}.ts`);
  writeFileSync(path, `export default ${JSON.stringify(scenario, null, 2)};\n`);
  return path;
}

async function run(file: string, out: string, args: string[] = []) {
  const before = serverPids();
  const cli = await runCli('scenario.ts', [file, '--out', out, '--quiet', ...args]);
  assert.deepEqual(leakedServers(before), [], 'servers left running');
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
  return { cli, result };
}

test('every node killed at 0%: exit 99 from scenario and from gate, naming why; --allow-unknown does not rescue it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-dead-'));
  try {
    const file = scenarioFile(dir, {
      name: 'all-dead',
      topology: { nodes: 2, strategy: 'redis', balancer: 'nginx' },
      workload: { users: 100, connections: 8, duration: '4s' },
      faults: [
        { type: 'node-kill', target: 'node-1', at: '0%' },
        { type: 'node-kill', target: 'node-2', at: '0%' },
      ],
    });
    const { cli, result } = await run(file, join(dir, 'out'), ['--allow-unknown']);
    // The old harness printed "verdict unknown" and exited 0.
    assert.equal(cli.code, 99, cli.stdout + cli.stderr.slice(-2000));
    assert.match(cli.stdout, /no user was served, so no session was judged/);
    assert.match(cli.stdout, /verdict {4}(FAILED|INVALID)/);
    assert.equal(result.sessions.unserved, 100);
    assert.ok(result.requests.errors > 0 && result.requests.errors === result.requests.total, 'every request should have failed');
    assert.notEqual(result.verdict?.status, 'passed');
    const gate = await runCli('gate.ts', [join(dir, 'out', 'result.json'), '--threshold', 'session_loss_rate:rate==0', '--no-summary', '--no-write-result']);
    // The old gate printed "Gate passed" and exited 0.
    assert.equal(gate.code, 99, gate.stdout);
    assert.match(gate.stdout, /FAILED/);
    assert.match(gate.stdout, /no user was served, so no session was judged/);
    assert.match(gate.stdout, /UNKNOWN session_loss_rate rate==0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fault that fails to apply (a node killed twice) fails the run with its error, and the report draws it as failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-kill-twice-'));
  try {
    const file = scenarioFile(dir, {
      name: 'kill-twice',
      topology: { nodes: 3, strategy: 'redis', balancer: 'nginx' },
      workload: { users: 100, connections: 8, duration: '5s' },
      faults: [
        { type: 'node-kill', target: 'node-2', at: '30%' },
        { type: 'node-kill', target: 'node-2', at: '60%' },
      ],
    });
    const { cli, result } = await run(file, join(dir, 'out'));
    assert.equal(cli.code, 99, cli.stdout + cli.stderr.slice(-2000));
    assert.deepEqual(result.faults.map((f) => f.status), ['applied', 'apply-failed']);
    assert.match(result.faults[1]!.error ?? '', /node-2 is not running \(already killed\)/);
    assert.ok(result.faults[0]!.appliedAtMs !== undefined && result.faults[0]!.appliedAtMs >= result.faults[0]!.startMs);
    assert.equal(result.verdict?.status, 'failed');
    assert.match(cli.stdout, /fault {6}node-kill node-2 from .*: APPLY-FAILED — apply failed: node-2 is not running/);
    // Recovery is measured only for the fault that took effect.
    assert.equal(result.recovery?.length, 1);
    // Users were still judged honestly: redis keeps every session through the one real kill.
    assert.equal(result.sessions.lost, 0);
    assert.ok(result.sessions.intact + result.sessions.recovered >= 95, JSON.stringify(result.sessions));
    const html = readFileSync(join(dir, 'out', 'report.html'), 'utf8');
    assert.match(html, /apply-failed: apply failed: node-2 is not running/);
    assert.match(html, /FAILED to apply, never took effect/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreachable --toxiproxy-url for a link fault stops before the stack starts, with one line naming the URL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-tpx-'));
  try {
    const before = serverPids();
    // A closed port: nothing listens there.
    const cli = await runCli('scenario.ts', ['redis-outage', '--duration', '12s', '--users', '20', '--connections', '2', '--quiet', '--toxiproxy-url', 'http://127.0.0.1:47123', '--out', join(dir, 'out')]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /^error: the Toxiproxy at http:\/\/127\.0\.0\.1:47123 does not answer \(ECONNREFUSED\)/m);
    assert.doesNotMatch(cli.stderr, /TypeError|    at /, 'a stack trace instead of one line');
    assert.doesNotMatch(cli.stderr, /starting 3 node/, 'the stack was started before the Toxiproxy was checked');
    assert.deepEqual(leakedServers(before), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
