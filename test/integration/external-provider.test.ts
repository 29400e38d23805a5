/**
 * provider 'external' on a real deployment the test starts itself on 127.0.0.1 (the local
 * provider's stack, started on its own): a node-kill scenario whose kill and restore are shell
 * commands acting on that stack's processes by the PIDs in its pid files (never by name), run
 * through the scenario CLI, gets the same verdicts as the local provider on the same stack
 * shape: no user lost with Redis, the users judged, the fault window applied and healed. The
 * harness sends traffic only to the URLs the scenario names, stops nothing of the deployment,
 * keeps each command's output in the run directory, reads the logs the scenario names, and
 * inspects Redis through the URL it is given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { localProvider } from '../../harness/topology/local/local-provider.js';
import { runsRoot } from '../../harness/topology/local/run-directory.js';
import { requireBinary } from '../../harness/topology/local/system-binaries.js';
import { findStrategy } from '../../harness/strategies/strategy-registry.js';
import type { StartedTopology } from '../../harness/topology/topology-types.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { compareWithVerdict } from '../../harness/redis-inspect/store-check.js';
import { leakedServers, runCli, serverPids } from '../helpers/run-cli.js';
import { launchScenario, pidFiles } from '../helpers/lifecycle.js';

const NODES = ['node-1', 'node-2', 'node-3'];

function scenarioFor(provider: 'local' | 'external', external?: Record<string, unknown>): Record<string, unknown> {
  return {
    name: `external-vs-${provider}`,
    topology: { provider, nodes: 3, strategy: 'redis', balancer: 'nginx', ...(external ? { external } : {}) },
    workload: { users: 150, connections: 12, duration: '9s' },
    faults: [{ type: 'node-kill', target: 'node-2', at: '33%', restoreAt: '66%' }],
    thresholds: { session_loss_rate: ['rate==0'], leaks: ['count==0'] },
  };
}

/** The port a node's nginx listens on, from its config in the deployment's run directory. */
function nodePort(runDir: string, node: string): number {
  const conf = readFileSync(join(runDir, node, 'nginx.conf'), 'utf8');
  return Number(/listen 127\.0\.0\.1:(\d+)/.exec(conf)![1]);
}

/** Peer ports of the established TCP connections of one process (ss). */
function peerPorts(pid: number): number[] {
  let text = '';
  try {
    text = execFileSync('ss', ['-tnpH', 'state', 'established'], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`))
    .map((line) => Number(/\S+:(\d+)\s+users:/.exec(line)?.[1] ?? /(\S+):(\d+)\s*$/.exec(line)?.[2]));
}

function killGroups(pids: number[]): void {
  for (const pid of pids) {
    for (const signal of ['SIGKILL', 'SIGCONT'] as const) {
      try {
        process.kill(-pid, signal);
      } catch {
        /* gone */
      }
    }
  }
}

async function readResult(dir: string): Promise<RunResult> {
  assert.ok(existsSync(join(dir, 'result.json')), `no result.json in ${dir}`);
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;
}

/** The verdicts the two providers must share. */
function assertVerdicts(result: RunResult, label: string): void {
  const s = result.sessions;
  assert.equal(s.users, 150, label);
  assert.equal(s.lost, 0, `${label}: users lost with Redis: ${JSON.stringify(s)}`);
  assert.equal(s.unknown + s.unserved, 0, `${label}: users not judged: ${JSON.stringify(s)}`);
  assert.equal(result.outcomes.leak, 0, label);
  const fault = result.faults[0]!;
  assert.equal(fault.status, 'applied', `${label}: ${JSON.stringify(fault)}`);
  assert.ok(fault.appliedAtMs !== undefined && fault.healedAtMs !== undefined, `${label}: ${JSON.stringify(fault)}`);
  const checks = result.thresholds?.results?.filter((r) => r.source === 'builtin') ?? [];
  for (const metric of ['users_judged', 'healthy_before_fault']) {
    assert.equal(checks.find((c) => c.metric === metric)?.passed, true, `${label}: ${metric}: ${JSON.stringify(checks)}`);
  }
  assert.equal(result.verdict?.status, 'passed', `${label}: ${JSON.stringify(result.verdict)}`);
  // node-2 answered nothing while it was dead (a second's grace for the balancer), and again after its restore.
  const deadFrom = Math.ceil(fault.startMs / 1000) + 1;
  const deadTo = Math.floor(fault.healedAtMs! / 1000) - 1;
  const whileDead = result.timeline.filter((p) => p.t >= deadFrom && p.t < deadTo).reduce((n, p) => n + (p.nodes['node-2'] ?? 0), 0);
  assert.equal(whileDead, 0, `${label}: node-2 answered while killed`);
  assert.ok(result.timeline.filter((p) => p.t > fault.healedAtMs! / 1000).some((p) => (p.nodes['node-2'] ?? 0) > 0), `${label}: node-2 never answered after its restore`);
}

test('external provider on a stack the test started: same verdicts as the local provider, traffic only to the named URLs, nothing stopped', { timeout: 150_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'psl-external-'));
  const before = serverPids();
  let deployment: StartedTopology | null = null;
  const restored: number[] = [];
  let runDir = '';
  let failed = true;
  try {
    // The deployment: the local provider's stack, started by the test (not by the external provider).
    deployment = await localProvider.start({
      runId: `external-deploy-${process.pid}`,
      nodes: 3,
      balancer: 'nginx',
      strategy: findStrategy('redis')!,
      phpChildren: 4,
      serializer: 'php',
      phpIni: {},
      proxies: false,
    });
    runDir = join(runsRoot(), `external-deploy-${process.pid}`);
    const pids = join(runDir, 'pids');
    const deployed = pidFiles(runDir);
    const redis = deployment.redis!;
    const nodeUrls = Object.fromEntries(NODES.map((n) => [n, `http://127.0.0.1:${nodePort(runDir, n)}`]));
    const fpm = await requireBinary('phpFpm');
    const nginx = await requireBinary('nginx');
    const asRoot = process.getuid?.() === 0 ? '-R ' : '';
    const group = (server: string) => `-$(cut -d' ' -f1 ${pids}/{node}-${server}.pid)`;
    // Restore starts the node's PHP-FPM and nginx again from its files, each in a session of its own, and records their PIDs.
    const start = (server: string, line: string) => `(setsid ${line} >>${runDir}/{node}/${server}.stderr.log 2>&1 </dev/null & echo "$! " > ${pids}/{node}-${server}.pid)`;
    const external = {
      url: deployment.baseUrl,
      nodes: NODES.map((name) => ({ name, url: nodeUrls[name] })),
      commands: {
        kill: `kill -s KILL -- ${group('php-fpm')} ${group('nginx')}`,
        restore: `${start('php-fpm', `${fpm} ${asRoot}-F -O -c ${runDir}/{node}/php.ini -y ${runDir}/{node}/php-fpm.conf`)} && ${start('nginx', `${nginx} -p ${runDir}/{node} -c ${runDir}/{node}/nginx.conf -e ${runDir}/{node}/error.log -g 'daemon off;'`)}`,
      },
      commandTimeout: '15s',
      redisUrl: `redis://${redis.host}:${redis.port}`,
      logs: [
        ...NODES.map((n) => ({ component: n, format: 'nginx-error', file: `${runDir}/${n}/error.log` })),
        { component: 'balancer', format: 'nginx-error', command: `cat ${runDir}/balancer/error.log` },
      ],
    };
    const file = join(work, 'external.json');
    writeFileSync(file, JSON.stringify(scenarioFor('external', external)));
    const allowed = new Set([new URL(deployment.baseUrl).port, ...Object.values(nodeUrls).map((u) => new URL(u).port), String(redis.port)].map(Number));

    const outExternal = join(work, 'out-external');
    const launched = launchScenario([file, '--out', outExternal, '--quiet'], { timeoutMs: 90_000 });
    const child = await launched.ready;
    const seen = new Set<number>();
    while (child.exitCode === null && child.signalCode === null) {
      for (const port of peerPorts(child.pid!)) seen.add(port);
      await sleep(250);
    }
    const run = await launched.done;
    assert.equal(run.code, 0, run.stderr.slice(-3000));
    // Traffic only to the URLs the scenario names (and the check saw the load's connections).
    assert.ok(seen.has(Number(new URL(deployment.baseUrl).port)), `no connection to the balancer seen: ${[...seen].join(', ')}`);
    assert.deepEqual([...seen].filter((p) => !allowed.has(p)), [], `connections to ports the scenario does not name (named: ${[...allowed].join(', ')})`);
    const ext = await readResult(outExternal);
    assert.equal(ext.provider, 'external');
    assertVerdicts(ext, 'external');
    // Redis inspected through its URL: the store agrees with the HTTP verdicts.
    assert.ok(ext.redis?.storeCheck, `no store check: ${JSON.stringify(ext.probeErrors)}`);
    const store = compareWithVerdict(ext.redis.storeCheck, ext.sessions);
    assert.equal(store.status, 'agrees', store.statement);
    // The commands ran, and their output is in the run directory.
    const commands = readdirSync(join(outExternal, 'commands'));
    assert.ok(commands.some((f) => /^\d+-kill-node-2\.stderr\.log$/.test(f)), commands.join(', '));
    assert.ok(commands.some((f) => /^\d+-restore-node-2\.stdout\.log$/.test(f)), commands.join(', '));
    assert.match(readFileSync(join(outExternal, 'commands', 'commands.log'), 'utf8'), /kill-node-2 exit 0[\s\S]*restore-node-2 exit 0/);
    // The logs it was told to read, and only those (plus Redis's latency monitor).
    const sources = ext.evidence?.sources ?? [];
    assert.deepEqual([...new Set(sources.map((s) => s.component))].sort(), ['balancer', 'node-1', 'node-2', 'node-3', 'redis'], JSON.stringify(sources));
    assert.ok(sources.every((s) => s.status !== 'unreadable'), JSON.stringify(sources));

    // Nothing of the deployment was stopped: every server but the killed-and-restored node-2 is the same process, and the stack answers.
    const after = pidFiles(runDir);
    for (const [name, pid] of deployed) {
      if (name.startsWith('node-2-')) assert.notEqual(after.get(name), pid, `${name} was not restarted`);
      else assert.equal(after.get(name), pid, `${name} changed`);
      if (!name.startsWith('node-2-')) process.kill(pid, 0);
    }
    const health = await fetch(`${deployment.baseUrl}/health`);
    assert.equal(health.status, 200);

    // The same scenario on the local provider (a stack of its own): the same verdicts.
    const localFile = join(work, 'local.json');
    writeFileSync(localFile, JSON.stringify(scenarioFor('local')));
    const outLocal = join(work, 'out-local');
    const local = await runCli('scenario.ts', [localFile, '--out', outLocal, '--quiet'], { timeoutMs: 90_000 });
    assert.equal(local.code, 0, local.stderr.slice(-3000));
    const loc = await readResult(outLocal);
    assert.equal(loc.provider, 'local');
    assertVerdicts(loc, 'local');
    assert.equal(ext.verdict?.status, loc.verdict?.status);
    failed = false;
  } finally {
    // A node restored by the test's command is not the local provider's: its PIDs (read before the stack's stop removes the files) are stopped here.
    if (runDir) for (const [name, pid] of pidFiles(runDir)) if (name.startsWith('node-2-')) restored.push(pid);
    await deployment?.stop();
    killGroups(restored.filter((p) => Number.isInteger(p) && p > 1));
    rmSync(work, { recursive: true, force: true });
    for (let i = 0; i < 40 && leakedServers(before).length; i++) await sleep(50);
    // Not over a failure of its own: that one is the error to see.
    if (!failed) assert.deepEqual(leakedServers(before), [], 'servers left running');
  }
});
