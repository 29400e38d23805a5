/**
 * Both load models end to end on the real stack, through the CLI: the open model keeps its
 * clock (achieved rate, dropped starts, both latency views in result.json), the closed model
 * ramps its connections, and overload finishes on time with the starts it could not make.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

async function scenario(args: string[], file?: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'psl-load-'));
  let target = 'redis-failover';
  if (file) {
    target = join(dir, `${file.name as string}.ts`);
    writeFileSync(target, `export default ${JSON.stringify(file)};\n`);
  }
  const cli = await runCli('scenario.ts', [target, '--out', join(dir, 'out'), '--quiet', ...args]);
  const result = JSON.parse(readFileSync(join(dir, 'out', 'result.json'), 'utf8')) as RunResult;
  rmSync(dir, { recursive: true, force: true });
  return { cli, result };
}

test('open model: --rate 400 is kept within 1%, with dropped starts and both latency views', async () => {
  const { cli, result } = await scenario(['--rate', '400', '--duration', '6s', '--users', '200', '--connections', '16']);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr.slice(-1500));
  const w = result.workload;
  assert.equal(w?.model, 'open');
  if (w?.model !== 'open') return;
  assert.equal(w.targetRate, 400);
  assert.equal(w.intended, 2400);
  assert.ok(Math.abs(w.achievedRate - 400) / 400 <= 0.01, `achieved ${w.achievedRate} req/s`);
  // node-2 dies at 33%: requests in flight on it wait for the balancer's retry, and a few
  // starts may find all 64 slots (4 x 16 connections) taken. They are counted, never sent late.
  assert.ok(w.dropped <= w.intended * 0.01, `dropped ${w.dropped} of ${w.intended}`);
  assert.equal(w.sent + w.dropped, w.intended);
  assert.ok(result.serviceTimeMs, 'no service-time latency in the result');
  // From the intended start is never shorter than from the actual send.
  assert.ok(result.latencyMs.p50 >= result.serviceTimeMs!.p50, `${result.latencyMs.p50} < ${result.serviceTimeMs!.p50}`);
  assert.equal(result.requests.total, w.sent);
  assert.equal(result.sessions.lost, 0);
  assert.equal(result.verdict?.status, 'passed');
  assert.match(cli.stdout, /load {7}open model: 400 req\/s intended/);
  assert.match(cli.stdout, /service {4}p50 /);
});

test('open model in overload: finishes on time, counts dropped starts, a dropped threshold fails the run', async () => {
  const { cli, result } = await scenario([], {
    name: 'overload',
    topology: { nodes: 1, strategy: 'redis', balancer: 'nginx', phpChildren: 2 },
    workload: { users: 500, connections: 8, rate: 50000, duration: '4s' },
    thresholds: { dropped: ['count==0'] },
  });
  assert.equal(cli.code, 99, cli.stdout);
  const w = result.workload;
  assert.equal(w?.model, 'open');
  if (w?.model !== 'open') return;
  assert.ok(w.dropped > w.sent, `dropped ${w.dropped}, sent ${w.sent}: 50,000 req/s is far above one node`);
  assert.equal(w.dropped + w.sent, w.intended);
  assert.ok(result.durationMs < 6000, `ran ${result.durationMs} ms of 4 s`);
  assert.equal(result.thresholds?.results.find((t) => t.metric === 'dropped')?.passed, false);
});

test('closed model with stages ramps its connections', async () => {
  const { cli, result } = await scenario([], {
    name: 'ramp',
    topology: { nodes: 2, strategy: 'redis', balancer: 'nginx' },
    workload: { users: 200, connections: 2, model: 'closed', stages: [{ duration: '2s', target: 16 }, { duration: '2s', target: 16 }] },
  });
  assert.equal(cli.code, 0, cli.stdout + cli.stderr.slice(-1500));
  assert.deepEqual(result.workload, { model: 'closed', connections: 2, peakConnections: 16 });
  assert.ok(Math.abs(result.durationMs - 4000) < 500, `ran ${result.durationMs} ms`);
  // More connections, more requests per second: the last second outpaces the first.
  const first = result.timeline[0]!.requests;
  const last = result.timeline[3]!.requests;
  assert.ok(last > first, `first second ${first}, fourth ${last}`);
});
