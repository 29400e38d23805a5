/** Bad input gets a one-line error naming the field and a non-zero exit (DESIGN exit codes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';

test('an unknown scenario lists the known ones (exit 104)', async () => {
  const run = await runCli('scenario.ts', ['no-such-scenario']);
  assert.equal(run.code, 104);
  assert.match(run.stderr, /unknown scenario "no-such-scenario"/);
  assert.match(run.stderr, /redis-failover/);
  assert.match(run.stderr, /affinity-failover/);
});

test('a bad flag value names the flag (exit 104)', async () => {
  for (const [flag, value] of [['--users', 'many'], ['--duration', '5 minutes'], ['--balancer', 'traefik'], ['--strategy', 'memcached'], ['--connections', '0']] as const) {
    const run = await runCli('scenario.ts', ['redis-failover', flag, value]);
    assert.equal(run.code, 104, `${flag} ${value}: ${run.stderr}`);
    assert.ok(run.stderr.includes(flag), `${flag} not named in: ${run.stderr}`);
  }
});

test('an invalid combination lists every problem before anything starts (exit 104)', async () => {
  const run = await runCli('scenario.ts', ['redis-failover', '--users', '4', '--connections', '8', '--nodes', '1']);
  assert.equal(run.code, 104);
  assert.match(run.stderr, /workload\.users/);
  assert.match(run.stderr, /faults\[0\]\.target/);
});

test('a missing binary names the package to install (exit 105) and leaves nothing behind', async () => {
  const out = mkdtempSync(join(tmpdir(), 'psl-missing-'));
  const run = await runCli('scenario.ts', ['redis-failover', '--duration', '5s', '--out', out], { env: { PSL_BIN_DIRS: out } });
  assert.equal(run.code, 105, run.stderr);
  assert.match(run.stderr, /php-fpm/);
  assert.match(run.stderr, /apt-get install -y php-fpm/);
  assert.deepEqual(readdirSync(out), [], 'no half-written result');
});

test('--list shows every scenario with its description', async () => {
  const run = await runCli('scenario.ts', ['--list']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /redis-failover\s+A node dies/);
  assert.match(run.stdout, /files-roundrobin/);
});
