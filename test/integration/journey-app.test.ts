/**
 * topology.app on the local provider with the fixture app (test/fixtures/journey-app): served
 * from every node with the strategy's session settings, the app's php.ini and a per-node
 * writable copy, its code untouched; then a journey run through the CLI judged end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localProvider } from '../../harness/topology/local/local-provider.js';
import { findStrategy } from '../../harness/strategies/strategy-registry.js';
import { resolveApp } from '../../harness/app/app-spec.js';
import { appSchema } from '../../harness/app/app-schema.js';
import type { StartedTopology } from '../../harness/topology/topology-types.js';
import { projectRoot } from '../../harness/util/project-root.js';
import { leakedServers, runCli, serverPids } from '../helpers/run-cli.js';
import { treeDigest } from '../helpers/tree-digest.js';
import type { RunResult } from '../../harness/results/result-schema.js';

const root = join(projectRoot, 'test', 'fixtures', 'journey-app');

test('your app on our nodes: served per node with the session settings, its php.ini, a writable copy each; code untouched', { timeout: 60_000 }, async () => {
  const before = serverPids();
  const digest = treeDigest(root);
  const app = resolveApp(appSchema.parse({ root, docroot: 'public', phpIni: { 'date.timezone': 'Europe/Paris', user_agent: 'psl-{writable}' }, writable: [{ from: 'seed', to: 'data' }] }));
  let topology: StartedTopology | null = null;
  try {
    topology = await localProvider.start({ runId: `app-test-${process.pid}`, nodes: 2, balancer: 'nginx', strategy: findStrategy('files')!, phpChildren: 1, serializer: 'php', phpIni: {}, proxies: false, app });
    const seen = new Map<string, Record<string, string>>();
    for (let i = 0; i < 6 && seen.size < 2; i++) {
      const info = (await (await fetch(`${topology.baseUrl}/info`)).json()) as Record<string, string>;
      seen.set(info.node!, info);
    }
    assert.deepEqual([...seen.keys()].sort(), ['node-1', 'node-2'], 'round-robin reaches both nodes');
    for (const [node, info] of seen) {
      assert.equal(info.save_handler, 'files', 'the strategy sets the session handler');
      assert.match(info.save_path!, new RegExp(`${node}/sessions$`), 'each node its own session directory');
      assert.equal(info.timezone, 'Europe/Paris', "the app's php.ini applies");
      assert.match(info.writable!, new RegExp(`${node}/app-writable$`));
      assert.equal(info.user_agent, `psl-${info.writable}`, '{writable} is the node\'s own directory');
      assert.equal(info.seed, 'seed data\n', 'the writable copy holds the seed');
      assert.ok(existsSync(join(info.writable!, 'data', 'written.txt')), 'the app wrote into its node copy');
    }
    const asset = await fetch(`${topology.baseUrl}/static.txt`);
    assert.equal(asset.status, 200);
    assert.equal(await asset.text(), 'static file of the fixture app\n');
    assert.ok(asset.headers.get('x-psl-node'), 'the node says who answered');
    assert.equal((await fetch(`${topology.baseUrl}/nothing-here`)).status, 404, 'unknown paths reach the front controller');
  } finally {
    await topology?.stop();
  }
  assert.equal(treeDigest(root), digest, "the app's code is untouched");
  assert.ok(!existsSync(join(root, 'public', 'data')), 'nothing written into the app root');
  assert.deepEqual(leakedServers(before), []);
});

test('a journey on the fixture app: redis keeps every user logged in; files round-robin logs users out, per step with excerpts', { timeout: 120_000 }, async () => {
  const scenario = join(projectRoot, 'test', 'fixtures', 'scenarios', 'journey-fixture.ts');
  const run = async (strategy: string) => {
    const dir = mkdtempSync(join(tmpdir(), `psl-journey-${strategy}-`));
    try {
      const cli = await runCli('scenario.ts', [scenario, '--strategy', strategy, '--duration', '3s', '--out', dir, '--quiet']);
      assert.ok(existsSync(join(dir, 'result.json')), cli.stderr.slice(-2000));
      return { code: cli.code, stdout: cli.stdout, result: JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const redis = await run('redis');
  assert.equal(redis.result.sessions.users, 6);
  assert.equal(redis.result.sessions.intact, 6, JSON.stringify(redis.result.sessions));
  assert.equal(redis.result.outcomes.reset + redis.result.outcomes.leak + redis.result.outcomes.error, 0);
  assert.ok(redis.result.outcomes.ok > 20);
  assert.deepEqual(redis.result.journey?.steps.map((s) => s.name), ['login-form', 'login', 'home', 'me', 'note']);
  assert.ok(Object.keys(redis.result.nodesServed).length === 2, 'answers attributed to their node');

  const files = await run('files');
  assert.ok(files.result.outcomes.reset > 0, 'logged-out answers counted as reset');
  const home = files.result.journey!.steps.find((s) => s.name === 'home')!;
  assert.ok(home.loggedOut > 0);
  assert.match(home.failures.find((f) => f.outcome === 'logged-out')!.reason, /logged out/);
  const me = files.result.journey!.steps.find((s) => s.name === 'me')!;
  const failure = me.failures.find((f) => f.outcome === 'error')!;
  assert.match(failure.reason, /extract apiToken: found nothing/);
  assert.match(failure.excerpt, /"token":null/, 'the excerpt of the answer');
  assert.ok(files.result.sessions.lost + files.result.sessions.recovered > 0);
  // The summary reports every step, with its first failure's reason and answer.
  assert.match(files.stdout, /step +me: \d+ · ok \d+ · logged-out 0 · error [1-9]\d* .*extract apiToken: found nothing.*answer: "\{"user":null/);
});
