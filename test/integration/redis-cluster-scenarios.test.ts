/**
 * The Redis Cluster scenarios end to end through the CLI, on real servers:
 * - compare rediscluster-failover over redis, rediscluster, rediscluster-distribute: one report;
 *   with one Redis every session is gone; with the cluster the killed master's replica is
 *   promoted (recorded with its time after the FAIL flag), the error window ends (recovery
 *   time), no user is lost, and users on masters that did not die saw errors too (errors per
 *   slot owner); with distribute, replica lag is measured.
 * - rediscluster-split-brain: the isolated master acknowledged writes alone and they were gone
 *   after the heal (stale answers), or the run says none were lost.
 * Durations are compared with the run's own fault windows, never with absolute figures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leakedServers, runCli, runScenarioCli, serverPids } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as RunResult;

test('compare rediscluster-failover: one Redis loses every session, the cluster fails over with a window of errors on every master', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'psl-cluster-compare-'));
  const before = serverPids();
  try {
    const run = await runCli('compare.ts', ['rediscluster-failover', '--strategies', 'redis,rediscluster,rediscluster-distribute', '--duration', '15s', '--users', '200', '--connections', '12', '--quiet', '--out', out]);
    assert.deepEqual(leakedServers(before), [], 'servers left running');
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr.slice(-3000));
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    for (const label of ['redis', 'rediscluster', 'rediscluster-distribute']) assert.ok(report.includes(label), `the report does not name ${label}`);

    const single = read(join(out, 'redis', 'result.json'));
    assert.equal(single.redisCluster, undefined);
    assert.equal(single.sessions.lost, single.sessions.users, `one Redis killed: ${single.sessions.lost} of ${single.sessions.users} lost`);

    for (const label of ['rediscluster', 'rediscluster-distribute']) {
      const r = read(join(out, label, 'result.json'));
      const c = r.redisCluster;
      assert.ok(c, `${label}: no redisCluster section`);
      const fault = r.faults[0]!;
      assert.equal(fault.status, 'applied', `${label}: ${fault.error ?? ''}`);
      // The master serving slot 0 died; its replica took its slots after the FAIL flag, inside the run.
      assert.ok(c.failover, `${label}: no failover recorded: ${JSON.stringify(c.events.slice(0, 10))}`);
      assert.ok(c.failover.promotedNode && c.failover.promotedAtMs !== null, `${label}: no promotion`);
      assert.ok(c.failover.flaggedFailAtMs >= fault.startMs, `${label}: FAIL flagged before the kill`);
      assert.ok(c.failover.promotedAtMs >= c.failover.flaggedFailAtMs, `${label}: promoted before the FAIL flag`);
      const killed = c.nodes.find((n) => n.name === c.failover!.failedNode)!;
      assert.equal(killed.roleAtStart, 'master');
      assert.equal(c.nodes.find((n) => n.name === c.failover!.promotedNode)!.roleAtEnd, 'master');
      // A window of errors that ended: recovery measured, every user judged, none lost.
      assert.ok(r.requests.errors > 0, `${label}: no error while the master was down`);
      const recovery = r.recovery?.[0]?.fromStartMs;
      assert.ok(recovery !== null && recovery !== undefined, `${label}: never recovered`);
      assert.equal(r.sessions.lost, 0, `${label}: ${r.sessions.lost} lost`);
      assert.equal(r.sessions.unknown, 0);
      // Users whose sessions lived on the masters that did not die saw errors too (phpredis 5.3.7).
      const others = c.perOwner.filter((o) => o.master !== c.failover!.failedNode);
      assert.equal(others.length, 2, JSON.stringify(c.perOwner));
      assert.ok(others.every((o) => o.errors > 0), `${label}: errors per slot owner ${JSON.stringify(c.perOwner)}`);
      assert.ok(c.storeCheck, `${label}: no store check: ${c.storeCheckError ?? ''}`);
      assert.equal(c.storeCheck.status, "checked");
      assert.equal(c.storeCheck.disagree, 0, `${label}: the store disagrees with the model`);
    }
    // distribute reads from replicas: stale answers when they trail, or none with the lag measured.
    const distribute = read(join(out, 'rediscluster-distribute', 'result.json'));
    const lag = distribute.redisCluster!.replicationLag;
    assert.ok(lag && lag.samples > 0, 'replica lag not measured');
    if (distribute.outcomes.stale > 0) assert.ok(lag.trailingSamples > 0, 'stale reads while no replica ever trailed');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('rediscluster-split-brain: the isolated master acknowledges writes alone, and they are gone after the heal', { timeout: 180_000 }, async () => {
  const { result: r, cli } = await runScenarioCli('rediscluster-split-brain', ['--duration', '20s', '--users', '200', '--connections', '12']);
  assert.equal(cli.code, 0, cli.stdout.slice(-3000) + cli.stderr.slice(-2000));
  const fault = r.faults[0]!;
  assert.equal(fault.status, 'applied', fault.error ?? '');
  const alone = fault.observed?.writesAcknowledgedAlone;
  assert.equal(typeof alone, 'number', JSON.stringify(fault.observed));
  assert.match(String(fault.observed?.rejoinedAs), /^replica of redis-\d+$/, 'the old master did not rejoin as a replica');
  const stale = r.timeline.filter((p) => p.t >= Math.floor(fault.startMs / 1000)).reduce((n, p) => n + p.outcomes.stale, 0);
  if ((alone as number) > 0) {
    // Every write it acknowledged alone is lost: each shows as a stale answer (or a lost user).
    assert.ok(stale + r.sessions.lost > 0, `${alone} writes acknowledged alone, none seen lost`);
    assert.match(cli.stdout, /split {6}redis-\d+ acknowledged \d+ session write\(s\) alone; lost after the failover/);
  } else {
    assert.match(cli.stdout, /split {6}no acknowledged write was lost/);
  }
  // The majority promoted the isolated master's replica.
  assert.ok(r.redisCluster?.failover?.promotedNode, JSON.stringify(r.redisCluster?.events.slice(0, 10)));
  assert.equal(r.outcomes.leak, 0);
});
