/**
 * CPU per tier from /proc: the parsers on real line shapes, and a real process group burning
 * CPU, recorded like a server of a run, measured against what that process says it used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuBetween, localTierCpu, parseLoopbackBytes, parsePidStat, tierOfProcess } from '../../harness/capacity/tier-cpu.js';

test('pid file names map to tiers', () => {
  assert.equal(tierOfProcess('node-2-php-fpm'), 'php-fpm');
  assert.equal(tierOfProcess('node-12-nginx'), 'node-web');
  assert.equal(tierOfProcess('balancer-haproxy-leastconn'), 'balancer');
  assert.equal(tierOfProcess('redis'), 'redis');
  assert.equal(tierOfProcess('redis-3'), 'redis');
  assert.equal(tierOfProcess('toxiproxy'), 'toxiproxy');
  assert.equal(tierOfProcess('owner'), null);
});

test('/proc/<pid>/stat: process group, own + reaped children ticks, resident pages (a name with spaces and parens)', () => {
  const line = '4242 (php-fpm: pool (x) www) S 4200 4200 4200 0 -1 4194624 1200 0 0 0 150 50 7 3 20 0 1 0 9000 123456789 2560 18446744073709551615';
  assert.deepEqual(parsePidStat(line), { pgrp: 4200, ticks: 210, rssPages: 2560 });
  assert.equal(parseLoopbackBytes('Inter-|   Receive\n face |bytes\n    lo: 123456 789 0 0\n  eth0: 5 6\n'), 123456);
});

test('a busy process group is measured as the CPU it used itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-cap-cpu-'));
  try {
    // A process in its own group that burns CPU for 600 ms, then reports its own CPU time and waits.
    const child = spawn(process.execPath, ['-e', 'const t=Date.now();while(Date.now()-t<600){};const u=process.cpuUsage();console.log((u.user+u.system)/1e6);setTimeout(()=>{},60000)'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    writeFileSync(join(dir, 'node-1-php-fpm.pid'), `${child.pid} 0\n`);
    try {
      const reader = localTierCpu(dir);
      // The reading starts after the spawn: take it at once, then after the burn.
      const a = reader.read();
      const [out] = (await once(child.stdout!, 'data')) as [Buffer];
      const own = Number(out.toString().trim());
      const b = reader.read();
      const w = cpuBetween(a, b);
      const measured = w.tiers['php-fpm']!;
      assert.ok(own > 0.3, `the child burned ${own} s`);
      // Ticks are 10 ms and the first reading may miss the start-up: within 0.15 s of its own figure.
      assert.ok(Math.abs(measured - own) < 0.15, `measured ${measured} s, the process says ${own} s`);
      assert.equal(w.tiers.redis, undefined, 'no redis group: no figure, not zero');
      assert.ok(w.tiers.harness! >= 0);
      assert.ok(w.hostBusyCores > 0);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
