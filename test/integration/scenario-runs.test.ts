/**
 * The spine, end to end on the real servers: each scenario through the CLI, its result.json
 * checked against what theory says, and no server left running afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, processesOfRuns, serverPids, leakedServers } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

async function runScenario(name: string, args: string[]): Promise<{ result: RunResult; code: number | null; dir: string; stdout: string }> {
  const dir = mkdtempSync(join(tmpdir(), `psl-${name}-`));
  const before = serverPids();
  const run = await runCli('scenario.ts', [name, '--out', dir, '--quiet', ...args]);
  assert.ok(existsSync(join(dir, 'result.json')), `no result.json; stderr: ${run.stderr.slice(-2000)}`);
  const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
  assert.equal(processesOfRuns(result.runId).length, 0, 'processes of the run are still running');
  assert.deepEqual(leakedServers(before), [], 'php-fpm/nginx/haproxy/redis-server started by the run are still running');
  assert.ok(existsSync(join(dir, 'report.html')), 'report.html missing');
  return { result, code: run.code, dir, stdout: run.stdout };
}

test('redis-failover: a node dies and no user loses the session', async () => {
  const { result, code, dir, stdout } = await runScenario('redis-failover', ['--duration', '15s', '--users', '200', '--connections', '16']);
  try {
    assert.equal(code, 0, stdout);
    assert.equal(result.schema, 'php-session-lab/result@1');
    assert.equal(result.strategy, 'redis');
    assert.equal(result.nodes, 3);
    assert.equal(result.faults.length, 1);
    assert.equal(result.faults[0]!.type, 'node-kill');
    assert.equal(result.faults[0]!.target, 'node-2');
    assert.ok(result.requests.total > 500, `too few requests: ${result.requests.total}`);
    assert.equal(result.sessions.lost, 0);
    assert.equal(result.outcomes.leak, 0);
    assert.equal(result.sessions.users, 200);
    // Every user judged (token stored, final read answered), nearly all of them untouched:
    // the kill costs at most a few answers (nginx retries a GET whose node died).
    assert.equal(result.sessions.unserved, 0);
    assert.equal(result.sessions.unknown, 0);
    assert.ok(result.sessions.intact >= 180, `intact ${result.sessions.intact} of 200`);
    assert.equal(result.sessions.intact + result.sessions.recovered, 200);
    assert.ok(result.requests.errors / result.requests.total < 0.01, `errors ${result.requests.errors} of ${result.requests.total}`);
    assert.equal(result.outcomes.unsaved, 0, 'redis wrote every session');
    assert.equal(result.faults[0]!.status, 'applied');
    assert.equal(result.verdict?.status, 'passed', JSON.stringify(result.verdict));
    // node-2 answers nothing once it is dead (give the balancer one second).
    const deadFrom = Math.ceil(result.faults[0]!.startMs / 1000) + 1;
    const afterKill = result.timeline.filter((p) => p.t >= deadFrom).reduce((n, p) => n + (p.nodes['node-2'] ?? 0), 0);
    assert.equal(afterKill, 0, 'node-2 kept answering after it was killed');
    assert.ok((result.nodesServed['node-2'] ?? 0) > 0, 'node-2 never served before the kill');
    assert.ok(result.env.php && result.env.nginx && result.env.redis, 'env versions missing');
    assert.equal(result.balancerRetry.balancer, 'nginx');
    const gate = await runCli('gate.ts', [join(dir, 'result.json'), '--threshold', 'session_loss_rate:rate==0', '--no-summary']);
    assert.equal(gate.code, 0, gate.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('affinity-failover: about a third of the users lose their session', async () => {
  const { result, dir } = await runScenario('affinity-failover', ['--duration', '15s', '--users', '300', '--connections', '16']);
  try {
    const share = result.sessions.lost / result.sessions.users;
    assert.ok(share >= 0.15 && share <= 0.55, `lost share ${share} outside [0.15, 0.55]`);
    assert.equal(result.outcomes.leak, 0);
    // The losses are judged on every user: none unknown, none unserved; the others intact or recovered.
    assert.equal(result.sessions.unknown, 0);
    assert.equal(result.sessions.unserved, 0);
    assert.equal(result.sessions.intact + result.sessions.recovered + result.sessions.lost, 300);
    assert.ok(result.sessions.intact > 0);
    assert.equal(result.verdict?.status, 'passed', 'a strategy losing sessions is the finding, not a failed run (no loss threshold here)');
    assert.equal(result.balancer, 'haproxy');
    assert.ok(result.outcomes.reset > 0, 'a lost session shows as reset answers');
    const gate = await runCli('gate.ts', [join(dir, 'result.json'), '--threshold', 'session_loss_rate:rate==0', '--no-summary']);
    assert.equal(gate.code, 99, gate.stdout);
    assert.match(gate.stdout, /session_loss_rate/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('files-roundrobin: most answers come from a node without the session', async () => {
  const { result, dir } = await runScenario('files-roundrobin', ['--duration', '8s', '--users', '100', '--connections', '16']);
  try {
    const anomalous = result.outcomes.reset + result.outcomes.stale;
    assert.ok(anomalous / result.requests.total > 0.5, `reset+stale ${anomalous} of ${result.requests.total}`);
    assert.equal(result.outcomes.leak, 0);
    assert.equal(result.faults.length, 0);
    // Anomalous by design, but healthy: every user judged, no errors, the run valid.
    assert.equal(result.sessions.unknown, 0);
    assert.equal(result.sessions.unserved, 0);
    assert.equal(result.requests.errors, 0);
    assert.equal(result.outcomes.unsaved, 0);
    assert.equal(result.verdict?.status, 'passed', JSON.stringify(result.verdict));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
