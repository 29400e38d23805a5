/**
 * Connection reuse on the real stack: `npm run compare -- connection-reuse --connection-reuse
 * stock,production` for a few seconds, judged on result.connections (measured from the
 * servers' own counters and the socket table, never from durations): about one new connection
 * per request on every link without reuse, next to none with it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leakedServers, runCli, serverPids } from '../helpers/run-cli.js';
import type { RunResult } from '../../harness/results/result-schema.js';

const links = ['balancer', 'fastcgi', 'redis'] as const;

test('connection-reuse: ~1 new connection per request per link with stock settings, ~0 with production, through a node kill and a Redis restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-connection-reuse-'));
  const before = serverPids();
  try {
    const cli = await runCli(
      'compare.ts',
      ['connection-reuse', '--connection-reuse', 'stock,production', '--duration', '10s', '--users', '150', '--connections', '12', '--out', dir, '--quiet'],
      { timeoutMs: 240_000 },
    );
    // 99 only when the machine spoiled a run (a guard): the figures below are still measured.
    assert.ok(cli.code === 0 || cli.code === 99, `compare exited ${cli.code}: ${cli.stderr.slice(-3000)}`);
    assert.ok(existsSync(join(dir, 'report.html')), 'no comparison report');
    const read = (variant: string) => JSON.parse(readFileSync(join(dir, variant, 'result.json'), 'utf8')) as RunResult;
    const stock = read('reuse-stock');
    const production = read('reuse-production');
    // Other runs may start servers on this machine meanwhile: ours name the run in their command line or working directory.
    const ofOurRuns = (pid: number) => {
      let where = '';
      try {
        where = `${readFileSync(`/proc/${pid}/cmdline`, 'latin1')} ${readlinkSync(`/proc/${pid}/cwd`)}`;
      } catch {
        return false; // gone
      }
      return [stock.runId, production.runId].some((id) => where.includes(id));
    };
    assert.deepEqual(leakedServers(before).filter(ofOurRuns), [], 'servers of these runs left running');

    const c = { stock: stock.connections!, production: production.connections! };
    assert.ok(c.stock && c.production, 'no connections section');
    assert.deepEqual(c.stock.reuse, { setting: 'stock', balancer: false, fastcgi: false, redis: false });
    assert.deepEqual(c.production.reuse, { setting: 'production', balancer: true, fastcgi: true, redis: true });
    assert.equal((stock.scenarioConfig.topology as { connectionReuse: string }).connectionReuse, 'stock');

    const per = (r: typeof c.stock, link: (typeof links)[number]) => {
      const f = r.links[link];
      assert.ok(f && f.perRequest !== null && f.requests > 1000, `${link}: not measured (${JSON.stringify(f)})`);
      return f.perRequest;
    };
    for (const link of links) {
      const off = per(c.stock, link);
      const on = per(c.production, link);
      // Without reuse every request opens one; TIME_WAIT entries recycled unseen and the
      // stretch lost with a killed node can only lower the count (never double it).
      assert.ok(off > 0.85 && off < 1.1, `${link} without reuse: ${off} new connections per request`);
      // With reuse only warming up the pools and reconnecting after the faults opens any.
      assert.ok(on < 0.03, `${link} with reuse: ${on} new connections per request`);
      assert.ok(off / Math.max(on, 1e-6) > 30, `${link}: ${off} vs ${on}`);
    }
    // The balancer link is counted by nginx itself: exactly one connection per request.
    assert.ok(Math.abs(per(c.stock, 'balancer') - 1) < 0.01, `balancer without reuse: ${per(c.stock, 'balancer')}`);

    for (const r of [stock, production]) {
      const kinds = r.faults.map((f) => `${f.type}:${f.status}:${f.healedAtMs !== undefined}`);
      assert.deepEqual(kinds, ['node-kill:applied:true', 'redis-restart:applied:true'], `${r.runId} faults`);
      assert.equal(r.connections!.redisRestarts, 1, 'the probe saw the Redis restart');
      assert.equal(r.connections!.nodes['node-2']!.restarts, 1, 'the probe saw node-2 come back');
      assert.equal(r.outcomes.leak, 0);
      // Redis kept its data across the restart: no session lost for good.
      assert.equal(r.sessions.lost, 0, `${r.runId}: ${r.sessions.lost} users lost`);
    }
    // After the restart each PHP-FPM worker with a persistent connection opens a new one.
    const restart = production.faults.find((f) => f.type === 'redis-restart')!;
    const after = c.production.timeline.filter((p) => p.t >= restart.startMs && p.t <= (restart.healedAtMs ?? restart.endMs) + 3000);
    assert.ok(after.reduce((n, p) => n + (p.redis ?? 0), 0) > 0, `no reconnection to the restarted Redis: ${JSON.stringify(after)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
