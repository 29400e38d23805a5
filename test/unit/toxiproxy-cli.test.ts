/**
 * The toxiproxy CLI through bin/toxiproxy-server.mjs, as the harness spawns it: first
 * stdout line with the URL, clean stop on SIGTERM, --exit-with-parent, bad flags -> 104.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const launcher = fileURLToPath(new URL('../../bin/toxiproxy-server.mjs', import.meta.url));

function start(args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [launcher, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, stderr: () => err };
}

function firstLine(child: ChildProcess, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no stdout line after ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing`));
    });
  });
}

async function exitCode(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return code;
}

test('prints the URL first, serves the API, logs calls to stderr and exits 0 on SIGTERM', async () => {
  const { child, stderr } = start(['--host', '127.0.0.1', '--port', '0']);
  try {
    const line = await firstLine(child);
    const match = /^toxiproxy listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    assert.ok(match, `first line: ${line}`);
    assert.notEqual(match[2], '0');
    const res = await fetch(`${match[1]}/version`);
    assert.equal(res.status, 200);
    child.kill('SIGTERM');
    assert.equal(await exitCode(child), 0);
    assert.match(stderr(), /api GET \/version 200/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('--exit-with-parent stops the server when stdin closes', async () => {
  const { child } = start(['--port', '0', '--quiet', '--exit-with-parent']);
  try {
    const line = await firstLine(child);
    const url = line.replace('toxiproxy listening on ', '');
    child.stdin!.end();
    assert.equal(await exitCode(child), 0);
    await assert.rejects(fetch(`${url}/version`), 'the API port is closed');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a bad flag exits 104 with a one-line error naming it', async () => {
  for (const [args, flag] of [
    [['--port', 'eighty'], '--port'],
    [['--colour', 'blue'], '--colour'],
  ] as const) {
    const { child, stderr } = start([...args]);
    assert.equal(await exitCode(child), 104);
    const text = stderr().trim();
    assert.equal(text.split('\n').length, 1, text);
    assert.ok(text.includes(flag), text);
  }
});

test('spawnToxiproxyServer starts the CLI as a child, reports its URL and stops it', async () => {
  const { spawnToxiproxyServer } = await import('../../harness/toxiproxy/spawn-toxiproxy.js');
  const lines: string[] = [];
  const spawned = await spawnToxiproxyServer({ log: (l) => lines.push(l) });
  try {
    assert.match(spawned.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${spawned.url}/proxies`)).status, 200);
  } finally {
    await spawned.stop();
  }
  await assert.rejects(fetch(`${spawned.url}/version`), 'stopped');
  assert.ok(lines.some((l) => l.includes('api GET /proxies 200')), lines.join('\n'));
});

test('proxies listen beyond loopback only with --allow-non-loopback', async () => {
  for (const [args, status] of [
    [[], 400],
    [['--allow-non-loopback'], 201],
  ] as const) {
    const { child } = start(['--port', '0', '--quiet', ...args]);
    try {
      const url = (await firstLine(child)).replace('toxiproxy listening on ', '');
      const res = await fetch(`${url}/proxies`, {
        method: 'POST',
        body: JSON.stringify({ name: 'wide', listen: '0.0.0.0:0', upstream: '127.0.0.1:9' }),
      });
      assert.equal(res.status, status, `flags ${args.join(' ') || '(none)'}`);
      if (status === 400) assert.match(((await res.json()) as { error: string }).error, /--allow-non-loopback/);
      child.kill('SIGTERM');
      assert.equal(await exitCode(child), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
});
