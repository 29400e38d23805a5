/**
 * The external provider's commands: each runs with a timeout (a command still running is
 * killed with its process group), its stdout and stderr land in files of the output directory,
 * and a command that fails or times out makes its fault apply-failed or heal-failed — recorded,
 * never reported as a fault that held. Before the run, every URL and proxy the scenario names
 * is checked, all problems in one line naming the field.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Toxiproxy } from 'toxiproxy-node-client';
import { InvalidInputError } from '../../harness/errors.js';
import { FaultSchedule } from '../../harness/faults/fault-schedule.js';
import type { FaultSpec } from '../../harness/scenario/scenario-schema.js';
import { findStrategy } from '../../harness/strategies/strategy-registry.js';
import { CommandRunner } from '../../harness/topology/external/command-runner.js';
import { externalProvider } from '../../harness/topology/external/external-provider.js';
import { externalSettingsSchema, type ExternalSettings } from '../../harness/topology/external/external-settings.js';
import type { StartedTopology, TopologySpec } from '../../harness/topology/topology-types.js';
import { startToxiproxyServer, type ToxiproxyServer } from '../../harness/toxiproxy/toxiproxy-server.js';
import { standInApp } from '../helpers/stand-in-app.js';
import { freePort } from '../../harness/topology/free-port.js';

let dir: string;
let app: Awaited<ReturnType<typeof standInApp>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'psl-external-commands-'));
  app = await standInApp();
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Running (a zombie waiting for its reaper is not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function spec(external: Record<string, unknown>, outputDir: string): TopologySpec {
  const settings: ExternalSettings = externalSettingsSchema.parse({ url: app.url, nodes: [{ name: 'node-1' }, { name: 'node-2' }], ...external });
  return {
    runId: 'external-unit',
    nodes: 2,
    balancer: 'nginx',
    strategy: findStrategy('redis')!,
    phpChildren: 4,
    serializer: 'php',
    phpIni: {},
    proxies: false,
    external: { ...settings, outputDir },
  };
}

/** Runs faults through the real schedule for `ms` and returns their windows. */
async function schedule(topology: StartedTopology, faults: FaultSpec[], ms: number) {
  const sched = new FaultSchedule(faults, { topology, toxiproxy: null, log: () => {} }, ms);
  const t0 = performance.now();
  sched.start(t0);
  await sleep(ms);
  return sched.finish(performance.now() - t0);
}

test('a command: stdout and stderr in numbered files, a line in commands.log; a failure names the field and its last stderr line', async () => {
  const out = join(dir, 'runner');
  const runner = new CommandRunner(out, 5000);
  const ok = await runner.run('kill-node-1', 'echo killed $PSL_NODE; echo warn >&2', { PSL_NODE: 'node-1' });
  assert.equal(ok.code, 0);
  assert.equal(readFileSync(ok.stdoutFile, 'utf8'), 'killed node-1\n');
  assert.equal(readFileSync(ok.stderrFile, 'utf8'), 'warn\n');
  assert.match(ok.stdoutFile, /001-kill-node-1\.stdout\.log$/);
  await assert.rejects(runner.runOrThrow('topology.external.commands.restore for node-1', 'restore-node-1', 'echo starting; echo "no such container" >&2; exit 3'), (error: Error) => {
    assert.match(error.message, /^topology\.external\.commands\.restore for node-1 exited 3 after \d+ ms: no such container \(output: .*002-restore-node-1\.stderr\.log\)$/);
    return true;
  });
  const log = readFileSync(join(out, 'commands.log'), 'utf8').trim().split('\n');
  assert.equal(log.length, 2);
  assert.match(log[0]!, /kill-node-1 exit 0 in \d+ ms: echo killed/);
  assert.match(log[1]!, /restore-node-1 exit 3 in \d+ ms/);
});

test('a command past its timeout is killed with everything in its process group, and the call fails', async () => {
  const out = join(dir, 'timeout');
  const runner = new CommandRunner(out, 300);
  const pidFile = join(out, 'child.pid');
  const started = performance.now();
  await assert.rejects(runner.runOrThrow('topology.external.commands.kill for node-2', 'kill-node-2', `mkdir -p ${out}; sleep 30 & echo $! > ${pidFile}; wait`), /timed out after 300 ms and was killed/);
  assert.ok(performance.now() - started < 10_000, 'the timeout did not end the wait');
  const child = Number(readFileSync(pidFile, 'utf8').trim());
  // The background sleep was in the command's group: gone too (give the kernel a moment to reap).
  for (let i = 0; i < 50 && alive(child); i++) await sleep(20);
  assert.equal(alive(child), false, `the command's child ${child} outlived the timeout`);
  assert.match(readFileSync(join(out, 'commands.log'), 'utf8'), /kill-node-2 timed out after 300 ms \(killed\)/);
});

test('faults: a kill command that times out is apply-failed, a restore that fails is heal-failed, a resume that times out is heal-failed; output kept', async () => {
  const out = join(dir, 'faults');
  const topology = await externalProvider.start(
    spec(
      {
        commandTimeout: '400ms',
        commands: {
          kill: 'if [ {node} = node-1 ]; then sleep 5; else echo killed {node}; fi',
          restore: 'echo cannot start {node} >&2; exit 7',
          hang: 'echo hung {node}',
          resume: 'sleep 5',
        },
      },
      out,
    ),
  );
  try {
    const windows = await schedule(
      topology,
      [
        { type: 'node-kill', target: 'node-1', at: '0ms' },
        { type: 'node-kill', target: 'node-2', at: '0ms', restoreAt: '100ms' },
      ],
      1200,
    );
    assert.equal(windows[0]!.status, 'apply-failed', JSON.stringify(windows[0]));
    assert.match(windows[0]!.error!, /topology\.external\.commands\.kill for node-1 .* timed out after 400 ms/);
    assert.equal(windows[1]!.status, 'heal-failed', JSON.stringify(windows[1]));
    assert.match(windows[1]!.error!, /commands\.restore for node-2 .* exited 7 .*: cannot start node-2/);
    // The failed kill did not happen: node-1 can still be killed; node-2 was killed, its restore failed, so it is down.
    await assert.rejects(topology.killNode('node-2'), /not running/);

    const hang = await schedule(topology, [{ type: 'node-hang', target: 'node-1', at: '0ms', duration: '50ms' }], 1000);
    assert.equal(hang[0]!.status, 'heal-failed', JSON.stringify(hang[0]));
    assert.match(hang[0]!.error!, /commands\.resume for node-1 .* timed out after 400 ms/);

    const files = readdirSync(out);
    assert.ok(files.includes('commands.log'), files.join(', '));
    assert.ok(files.some((f) => /-kill-node-2\.stdout\.log$/.test(f)));
    const killed = files.find((f) => /-kill-node-2\.stdout\.log$/.test(f))!;
    assert.equal(readFileSync(join(out, killed), 'utf8'), 'killed node-2\n');
    assert.ok(files.some((f) => /-hang-node-1\.stdout\.log$/.test(f)));
  } finally {
    await topology.stop();
  }
});

test('before the run every named URL and proxy is checked: all problems in one line, each naming its field', async () => {
  let toxiproxy: ToxiproxyServer | null = null;
  try {
    toxiproxy = await startToxiproxyServer({ port: 0, log: () => {} });
    await new Toxiproxy(toxiproxy.url).createProxy({ name: 'lb-node-1', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
    // A port nothing listens on (taken free, then left closed).
    const port = await freePort();
    const closed = `http://127.0.0.1:${port}`;
    const problems = await externalProvider.start(
      spec(
        {
          nodes: [{ name: 'node-1', url: app.url }, { name: 'node-2', url: closed }],
          redisUrl: `redis://127.0.0.1:${port}`,
          toxiproxy: { url: toxiproxy.url, links: { balancer: { 'node-1': 'lb-node-1', 'node-2': 'lb-node-2' } } },
        },
        join(dir, 'preflight'),
      ),
    ).then(
      () => assert.fail('an unreachable deployment was accepted'),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError, String(error));
        assert.ok(!error.message.includes('\n'), error.message);
        return error.problems;
      },
    );
    const has = (field: string, pattern: RegExp) => assert.ok(problems.some((p) => p.startsWith(`${field}:`) && pattern.test(p)), `${field} ${pattern}: ${problems.join(' | ')}`);
    has('topology.external.nodes[1].url', /did not answer \(ECONNREFUSED\)/);
    // The stand-in app answers as node-1 everywhere: fine for node-1.
    assert.ok(!problems.some((p) => p.startsWith('topology.external.nodes[0]')), problems.join(' | '));
    has('topology.external.redisUrl', new RegExp(`cannot connect to Redis at 127\\.0\\.0\\.1:${port}`));
    has('topology.external.toxiproxy.links.balancer.node-2', /no proxy "lb-node-2" on http:\/\/127\.0\.0\.1:\d+ \(it has lb-node-1\)/);
    assert.equal(problems.length, 3, problems.join(' | '));
    assert.equal(existsSync(join(dir, 'preflight')), false, 'no output directory before a command ran');

    // A node that answers as another node is named by its name field.
    await assert.rejects(externalProvider.start(spec({ nodes: [{ name: 'node-1' }, { name: 'node-2', url: app.url }] }, join(dir, 'preflight'))), /topology\.external\.nodes\[1\]\.name: .* answers as node "node-1", not "node-2"/);
    await assert.rejects(externalProvider.start(spec({ url: closed }, join(dir, 'preflight'))), new RegExp(`topology\\.external\\.url: ${closed}/health did not answer`));
  } finally {
    await toxiproxy?.close();
  }
});
