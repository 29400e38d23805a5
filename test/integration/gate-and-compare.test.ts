/**
 * The comparison of strategies under one fault, and faults through an external Toxiproxy. (The
 * gate on real runs: test/integration/gate-aa.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, serverPids, leakedServers } from '../helpers/run-cli.js';
import { spawnToxiproxyServer } from '../../harness/toxiproxy/spawn-toxiproxy.js';
import type { RunResult } from '../../harness/results/result-schema.js';

const scratch = mkdtempSync(join(tmpdir(), 'psl-gate-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

async function scenario(file: string, out: string, args: string[] = []): Promise<string> {
  const run = await runCli('scenario.ts', [file, '--out', join(scratch, out), '--quiet', ...args]);
  const path = join(scratch, out, 'result.json');
  assert.ok(existsSync(path), `no result: ${run.stderr.slice(-1500)}`);
  return path;
}

test('compare: files vs affinity vs redis under one node-kill, one report', async () => {
  const out = join(scratch, 'compare');
  const before = serverPids();
  const run = await runCli('compare.ts', ['redis-failover', '--strategies', 'files,affinity,redis', '--duration', '12s', '--users', '150', '--connections', '12', '--quiet', '--out', out]);
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  assert.deepEqual(leakedServers(before), []);
  const read = (s: string) => JSON.parse(readFileSync(join(out, s, 'result.json'), 'utf8')) as RunResult;
  const files = read('files');
  const affinity = read('affinity');
  const redis = read('redis');
  for (const r of [files, affinity, redis]) {
    assert.equal(r.faults[0]?.type, 'node-kill');
    assert.equal(r.seed, files.seed);
    assert.equal(r.sessions.users, 150);
  }
  assert.equal(redis.sessions.lost, 0);
  const affinityShare = affinity.sessions.lost / affinity.sessions.users;
  assert.ok(affinityShare >= 0.15 && affinityShare <= 0.55, `affinity lost ${affinityShare}`);
  // files: with 3 nodes about 2/3 of the answers come from a node whose copy is behind, with
  // the 2 left after the kill about 1/2; over this run (kill at a third) about 0.55.
  const filesAnomalous = (files.outcomes.reset + files.outcomes.stale + files.outcomes.ahead) / files.requests.total;
  assert.ok(filesAnomalous > 0.45, `files: anomalous share ${filesAnomalous}`);
  assert.ok(files.sessions.lost > affinity.sessions.lost, 'files loses more users than affinity');
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const name of ['files', 'affinity', 'redis']) assert.ok(html.includes(name), `${name} missing from the report`);
});

test('faults through an external Toxiproxy (--toxiproxy-url): proxies created there and removed after', async () => {
  const server = await spawnToxiproxyServer({ port: 0 });
  try {
    const path = await scenario('redis-outage', 'external', ['--duration', '10s', '--users', '60', '--connections', '6', '--toxiproxy-url', server.url]);
    const result = JSON.parse(readFileSync(path, 'utf8')) as RunResult;
    assert.equal(result.faults[0]?.type, 'redis-down');
    // During the outage session_start() fails and PHP answers 200 anyway: unsaved answers.
    assert.ok(result.outcomes.unsaved > 0, 'the outage went through the external proxies');
    assert.equal(result.faults[0]?.status, 'applied');
    const proxies = (await (await fetch(`${server.url}/proxies`)).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(proxies), [], 'the run removed its proxies from the external Toxiproxy');
  } finally {
    await server.stop();
  }
});
