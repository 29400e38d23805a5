/**
 * provider 'external' is validated before anything runs: every problem on one line naming its
 * field (a fault whose command is not given, a URL that is not http(s), an unknown placeholder,
 * a link fault without Toxiproxy, a shape the user did not declare), and the scenario CLI exits
 * 104 on it without writing anything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../harness/errors.js';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { fillCommand, placeholdersOf } from '../../harness/topology/external/external-settings.js';
import { runCli } from '../helpers/run-cli.js';

function scenario(external: Record<string, unknown> = {}, faults: unknown[] = [{ type: 'node-kill', target: 'web-2', at: '2s', restoreAt: '6s' }], topology: Record<string, unknown> = {}): Record<string, any> {
  return {
    name: 'ext-unit',
    topology: {
      provider: 'external',
      nodes: 2,
      strategy: 'redis',
      balancer: 'nginx',
      external: {
        url: 'http://127.0.0.1:8080',
        nodes: [{ name: 'web-1' }, { name: 'web-2', url: 'http://127.0.0.1:8082' }],
        commands: { kill: 'docker kill {node}', restore: 'docker start {node}' },
        ...external,
      },
      ...topology,
    },
    workload: { users: 20, connections: 4, duration: '10s' },
    faults,
  };
}

function problemsOf(input: unknown): string[] {
  try {
    validateScenario(input, 'unit');
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, String(error));
    assert.ok(!error.message.includes('\n'), `more than one line: ${error.message}`);
    return error.problems;
  }
  assert.fail('the scenario was accepted');
}

function assertProblem(problems: string[], field: string, pattern: RegExp): void {
  assert.ok(
    problems.some((p) => p.startsWith(`${field}:`) && pattern.test(p)),
    `no problem for ${field} matching ${pattern}; got:\n  ${problems.join('\n  ')}`,
  );
}

test('a valid external scenario: its node names are the fault targets, with the defaults filled in', () => {
  const { scenario: s, faults } = validateScenario(scenario());
  assert.equal(s.topology.provider, 'external');
  assert.equal(s.topology.external?.commandTimeout, '30s');
  assert.equal(s.topology.external?.healthPath, '/health');
  assert.deepEqual(s.topology.external?.logs, []);
  assert.equal(faults[0]!.target, 'web-2');
  // node-N is no node of this deployment.
  assertProblem(problemsOf(scenario({}, [{ type: 'node-kill', target: 'node-2', at: '2s' }])), 'faults[0].target', /not a node of this topology: use one of web-1, web-2/);
});

test('a fault whose command is not given is refused, naming the command field', () => {
  const hang = problemsOf(scenario({}, [{ type: 'node-hang', target: 'web-1', at: '1s', duration: '2s' }]));
  assertProblem(hang, 'topology.external.commands.hang', /faults\[0\] \(node-hang web-1\) needs the commands hang and resume/);
  assertProblem(hang, 'topology.external.commands.resume', /needs the commands hang and resume/);
  // A kill that is restored needs restore; one kept until the end needs only kill.
  const restore = problemsOf(scenario({ commands: { kill: 'docker kill {node}' } }));
  assertProblem(restore, 'topology.external.commands.restore', /faults\[0\] \(node-kill web-2\) needs the commands kill and restore/);
  assert.doesNotThrow(() => validateScenario(scenario({ commands: { kill: 'docker kill {node}' } }, [{ type: 'node-kill', target: 'web-2', at: '2s' }])));
  assertProblem(problemsOf(scenario({ commands: {} }, [{ type: 'node-kill', target: 'web-2', at: '2s' }])), 'topology.external.commands.kill', /needs the commands kill/);
});

test('URLs must be http(s)://HOST[:PORT][/PATH] (redis:// for Redis), each bad one named', () => {
  for (const bad of ['ftp://127.0.0.1:21', 'http://user:secret@127.0.0.1:8080', 'http://127.0.0.1:99999', 'http://127.0.0.1:8080/?q=1', 'http://127.0.0.1:8080/#x', '127.0.0.1:8080', 'http://127.0.0.1:8080/a b', 'http://$(reboot)/']) {
    assertProblem(problemsOf(scenario({ url: bad })), 'topology.external.url', /not an http\(s\) URL|port/);
  }
  const problems = problemsOf(
    scenario({
      nodes: [{ name: 'web-1', url: 'file:///etc/passwd' }, { name: 'web-2' }],
      redisUrl: 'redis://:secret@127.0.0.1:6379',
      toxiproxy: { url: 'tcp://127.0.0.1:8474', links: {} },
    }),
  );
  assertProblem(problems, 'topology.external.nodes[0].url', /not an http\(s\) URL/);
  assertProblem(problems, 'topology.external.redisUrl', /not redis:\/\/HOST:PORT/);
  assertProblem(problems, 'topology.external.toxiproxy.url', /not an http\(s\) URL/);
  assert.doesNotThrow(() => validateScenario(scenario({ url: 'https://shop.example.com/app/', redisUrl: 'redis://127.0.0.1:6379' })));
});

test('placeholders: {node} and {url} only; {{ }} are literal braces and ${...} is the shell\'s', () => {
  assertProblem(problemsOf(scenario({ commands: { kill: 'kill -9 {pid}' } })), 'topology.external.commands.kill', /unknown placeholder \{pid\}: use \{node\} or \{url\}/);
  assertProblem(
    problemsOf(scenario({ logs: [{ component: 'web-1', format: 'php-error', command: 'docker logs {node}' }] })),
    'topology.external.logs[0].command',
    /unknown placeholder \{node\}: this command takes no placeholder/,
  );
  // {url} needs a URL for every node.
  assertProblem(problemsOf(scenario({ commands: { kill: 'curl -X POST {url}/kill', restore: 'true' } })), 'topology.external.commands.kill', /\{url\} needs a url for every node: topology.external.nodes\[0\].url is missing/);
  assert.deepEqual(placeholdersOf("kill -9 $(cat /run/{node}.pid) ${HOME} awk '{{print}}' {url}"), ['node', 'url']);
  assert.equal(fillCommand("docker kill {node} && awk '{{print}}' ${HOME}", { node: 'web-2' }), "docker kill web-2 && awk '{print}' ${HOME}");
  assert.doesNotThrow(() => validateScenario(scenario({ commands: { kill: "docker kill {node} && awk '{{print}}' ${HOME}", restore: 'docker start {node}' } })));
  // Names go into commands as they are: no shell syntax in them.
  assertProblem(problemsOf(scenario({ nodes: [{ name: 'web-1;reboot' }, { name: 'web-2' }] })), 'topology.external.nodes[0].name', /letters, digits/);
  assertProblem(problemsOf(scenario({ commands: { kill: 'docker kill {node}\nreboot', restore: 'x' } })), 'topology.external.commands.kill', /one line/);
});

test('link faults need the Toxiproxy URL and the proxy of each link they act on', () => {
  const partition = [{ type: 'node-partition', target: 'web-2', at: '1s', duration: '2s' }];
  assertProblem(problemsOf(scenario({}, partition)), 'topology.external.toxiproxy', /faults\[0\] \(node-partition web-2\) acts on a link through Toxiproxy/);
  const toxiproxy = { url: 'http://127.0.0.1:8474', links: { balancer: { 'web-1': 'lb-web-1' } } };
  assertProblem(problemsOf(scenario({ toxiproxy }, partition)), 'topology.external.toxiproxy.links.balancer.web-2', /needs the name of the proxy between the balancer and web-2/);
  assert.doesNotThrow(() => validateScenario(scenario({ toxiproxy: { ...toxiproxy, links: { balancer: { 'web-1': 'a', 'web-2': 'b' } } } }, partition)));
  // One shared Redis proxy: fine for target redis, refused for one node (the fault would reach them all).
  const shared = { url: 'http://127.0.0.1:8474', links: { redis: 'php-redis' } };
  assert.doesNotThrow(() => validateScenario(scenario({ toxiproxy: shared }, [{ type: 'redis-latency', target: 'redis', at: '1s', duration: '2s', latency: 5 }])));
  assertProblem(problemsOf(scenario({ toxiproxy: shared }, [{ type: 'redis-latency', target: 'web-1', at: '1s', duration: '2s', latency: 5 }])), 'faults[0].target', /shares its proxy "php-redis"/);
  assertProblem(problemsOf(scenario({ toxiproxy: { url: 'http://127.0.0.1:8474', links: { redis: { 'web-9': 'x' } } } }, [])), 'topology.external.toxiproxy.links.redis.web-9', /not a node/);
  // Faults with no command and no link have no way in.
  for (const type of ['redis-restart', 'redis-hang', 'redis-memory-pressure']) {
    assertProblem(problemsOf(scenario({}, [{ type, at: '1s' }])), 'faults[0].type', /cannot run on the external provider/);
  }
});

test('the shape is declared, settings that would configure the stack are refused, and external goes with its provider', () => {
  const undeclared = scenario();
  delete undeclared.topology.nodes;
  delete undeclared.topology.balancer;
  const problems = problemsOf(undeclared);
  assertProblem(problems, 'topology.nodes', /declare the deployment's node count \(2/);
  assertProblem(problems, 'topology.balancer', /declare the balancer the deployment runs/);
  assertProblem(problemsOf(scenario({}, undefined, { nodes: 3 })), 'topology.nodes', /3, but topology.external.nodes names 2 node\(s\)/);
  const configuring = problemsOf(scenario({}, undefined, { phpChildren: 8, connectionReuse: 'production', redis: { persistence: 'aof' } }));
  assertProblem(configuring, 'topology.phpChildren', /configures nothing in the deployment/);
  assertProblem(configuring, 'topology.connectionReuse', /configures nothing/);
  assertProblem(configuring, 'topology.redis.persistence', /configures nothing/);
  assertProblem(problemsOf(scenario({ nodes: [{ name: 'web-1' }, { name: 'web-1' }] })), 'topology.external.nodes[1].name', /named twice/);
  assertProblem(problemsOf(scenario({ redisUrl: 'redis://127.0.0.1:6379' }, [], { strategy: 'files' })), 'topology.external.redisUrl', /stores no session in Redis/);
  const local = scenario({}, [], { provider: 'local' });
  assertProblem(problemsOf(local), 'topology.external', /set topology.provider to 'external'/);
  const bare = scenario();
  delete bare.topology.external;
  assertProblem(problemsOf(bare), 'topology.external', /missing: provider 'external' needs/);
  assertProblem(problemsOf(scenario({ logs: [{ component: 'web-1', format: 'php-error' }] })), 'topology.external.logs[0].file', /give file or command/);
  assertProblem(problemsOf(scenario({ logs: [{ component: 'web-1', format: 'syslog', file: '/var/log/x' }] })), 'topology.external.logs[0].format', /php-error/);
  assertProblem(problemsOf(scenario({ commandTimeout: '11m' })), 'topology.external.commandTimeout', /at most 10m/);
});

test('the scenario CLI exits 104 with one line naming every field, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-external-input-'));
  try {
    const out = join(dir, 'out');
    const file = join(dir, 'ext.json');
    writeFileSync(file, JSON.stringify(scenario({ url: 'ftp://127.0.0.1:8080', commands: { kill: 'kill {pid}' } }, [{ type: 'node-hang', target: 'web-1', at: '1s', duration: '1s' }, { type: 'node-partition', target: 'web-2', at: '2s', duration: '1s' }])));
    const run = await runCli('scenario.ts', [file, '--out', out, '--quiet']);
    assert.equal(run.code, 104, run.stderr);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    for (const field of ['topology.external.url', 'topology.external.commands.kill', 'topology.external.commands.hang', 'topology.external.commands.resume', 'topology.external.toxiproxy']) {
      assert.ok(lines[0]!.includes(`${field}:`), `${field} not named: ${lines[0]}`);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['ext.json'], 'nothing written');
    // --toxiproxy-url would send traffic where the scenario does not say.
    writeFileSync(file, JSON.stringify(scenario()));
    const flag = await runCli('scenario.ts', [file, '--out', out, '--toxiproxy-url', 'http://127.0.0.1:8474', '--quiet']);
    assert.equal(flag.code, 104, flag.stderr);
    assert.match(flag.stderr, /--toxiproxy-url: the external provider uses topology.external.toxiproxy.url/);
    assert.deepEqual(readdirSync(dir).sort(), ['ext.json'], 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
