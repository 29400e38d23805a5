/**
 * Regression tests for issue 19's hostile-input findings against the embedded Toxiproxy
 * server: one named test per finding (crash, 500s, keep-alive lies, unaddressable names,
 * half-done updates/resets/populates, self loops, wildcard listens), raw sockets where a
 * client library would hide the framing. Everything runs on 127.0.0.1.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startToxiproxyServer, type ToxiproxyServer } from '../../harness/toxiproxy/toxiproxy-server.js';
import { connect, roundTrip, startEchoServer, type EchoServer } from '../../harness/toxiproxy/testing/tcp-helpers.js';
import { jsonRequest, rawExchange } from '../../harness/toxiproxy/testing/raw-http.js';
import { socketIsSelf } from '../../harness/toxiproxy/self-loop.js';

let server: ToxiproxyServer;
let echo: EchoServer;
let upstream: string;
const logLines: string[] = [];

before(async () => {
  echo = await startEchoServer();
  upstream = `127.0.0.1:${echo.port}`;
  server = await startToxiproxyServer({ port: 0, log: (line) => logLines.push(line), logConnections: false, requestTimeoutMs: 1500 });
});
after(async () => {
  await server.close();
  await echo.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json };
}

async function assertStillServing(): Promise<void> {
  const res = await call('GET', '/version');
  assert.equal(res.status, 200, 'the server still answers /version');
}

/** A port that is held by someone else (a plain listener) until release(). */
async function holdPort(port = 0): Promise<{ port: number; release(): Promise<void> }> {
  const holder = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (holder.address() as net.AddressInfo).port,
    release: () => new Promise<void>((resolve) => holder.close(() => resolve())),
  };
}

/** A free port on 127.0.0.1 (bound then released). */
async function freePort(): Promise<number> {
  const held = await holdPort();
  await held.release();
  return held.port;
}

const portOf = (listen: unknown): number => Number(String(listen).split(':').pop());

describe('HTTP framing', () => {
  test('chunked body over 1 MiB gets 413 and the server stays up', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const result = await rawExchange(server.port, async (socket) => {
      socket.write('POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let i = 0; i < 24 && !socket.destroyed; i++) {
        socket.write(`${chunk.length.toString(16)}\r\n`);
        socket.write(chunk);
        socket.write('\r\n');
        await new Promise((r) => setImmediate(r));
      }
    });
    assert.equal(result.responses.length, 1, `one answer (rest: ${result.rest.slice(0, 80)})`);
    assert.equal(result.responses[0]!.status, 413);
    assert.equal(result.responses[0]!.headers.connection, 'close');
    assert.equal(JSON.parse(result.responses[0]!.body).status, 413);
    assert.notEqual(result.end, 'timeout');
    await assertStillServing();
  });

  test('a request line the URL parser rejects answers 400 with the JSON error body', async () => {
    for (const target of ['http://x:99999/version', 'http://[::1/version', '*', 'version']) {
      const result = await rawExchange(server.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.equal(result.responses[0]?.status, 400, target);
      assert.equal(JSON.parse(result.responses[0]!.body).status, 400, target);
    }
    const absolute = await rawExchange(server.port, 'GET http://127.0.0.1/version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.equal(absolute.responses[0]?.status, 200, 'a valid absolute-form target still routes');
    await assertStillServing();
  });

  test('framing errors (bad Content-Length, Content-Length with chunked, bad chunk size) answer 400 JSON', async () => {
    const cases = [
      'POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}',
      'POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      'POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      'POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'GET /version HTTP/1.1\r\n\r\n',
    ];
    for (const request of cases) {
      const result = await rawExchange(server.port, request);
      assert.equal(result.responses.length, 1, JSON.stringify(request));
      const answer = result.responses[0]!;
      assert.equal(answer.status, 400, JSON.stringify(request));
      assert.equal(answer.headers.connection, 'close');
      assert.equal(JSON.parse(answer.body).status, 400);
      assert.notEqual(result.end, 'timeout');
    }
    await assertStillServing();
  });

  test('a 431 for oversized headers closes cleanly while the client keeps sending (found by the fuzz test)', async () => {
    const result = await rawExchange(server.port, async (socket) => {
      socket.write(`POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      for (let i = 0; i < 48 && !socket.destroyed; i++) {
        socket.write(Buffer.alloc(16 * 1024, 'b'));
        await new Promise((r) => setTimeout(r, 1));
      }
      socket.end();
    });
    assert.equal(result.responses[0]?.status, 431);
    assert.equal(JSON.parse(result.responses[0]!.body).status, 431);
    assert.equal(result.end, 'fin', 'no reset while the rest is drained');
    await assertStillServing();
  });

  test('a client aborting mid-body is not logged as a server error', async () => {
    const before = logLines.length;
    await rawExchange(server.port, (socket) => {
      socket.write('POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"name":');
      setTimeout(() => socket.destroy(), 50);
    });
    await new Promise((r) => setTimeout(r, 100));
    const lines = logLines.slice(before);
    assert.ok(lines.some((l) => /aborted/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => / 5\d\d /.test(l)), lines.join('\n'));
    await assertStillServing();
  });

  test('a body that stops arriving answers 408 within the request timeout', async () => {
    const started = performance.now();
    const result = await rawExchange(server.port, 'POST /proxies HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{"na', 6000);
    assert.equal(result.responses[0]?.status, 408);
    assert.equal(JSON.parse(result.responses[0]!.body).status, 408);
    assert.ok(performance.now() - started < 4000, 'bounded by requestTimeoutMs');
  });

  test('an early 403/404/405/413 says Connection: close and closes cleanly', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    const cases: [string, number][] = [
      [jsonRequest('POST', '/proxies', '{"name":"x"}', 'User-Agent: Mozilla/5.0\r\n'), 403],
      [jsonRequest('POST', '/nowhere', '{"name":"x"}'), 404],
      [jsonRequest('PUT', '/proxies', '{"name":"x"}'), 405],
      [jsonRequest('POST', '/proxies', big), 413],
    ];
    for (const [request, status] of cases) {
      // The next request on the same connection must not be lost to a reset; the body keeps
      // arriving (16 KiB a millisecond) after the early answer, as from a real uploader.
      const bytes = Buffer.from(request + jsonRequest('GET', '/version'));
      const result = await rawExchange(server.port, async (socket) => {
        for (let at = 0; at < bytes.length && !socket.destroyed; at += 16 * 1024) {
          socket.write(bytes.subarray(at, at + 16 * 1024));
          await new Promise((r) => setTimeout(r, 1));
        }
        socket.end();
      });
      assert.equal(result.responses[0]?.status, status);
      assert.equal(result.responses[0]!.headers.connection, 'close', `${status} says close`);
      assert.equal(result.end, 'fin', `${status}: closed with FIN, not reset`);
    }
    const kept = await rawExchange(server.port, jsonRequest('GET', '/nowhere') + jsonRequest('GET', '/version', undefined, 'Connection: close\r\n'));
    assert.deepEqual(kept.responses.map((r) => r.status), [404, 200], 'without a body the connection stays usable');
  });

  test('CONNECT and unknown Expect values answer once with a JSON error', async () => {
    const connectResult = await rawExchange(server.port, 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n');
    assert.equal(connectResult.responses[0]?.status, 405);
    assert.equal(JSON.parse(connectResult.responses[0]!.body).status, 405);
    const expect = await rawExchange(server.port, jsonRequest('POST', '/proxies', '{}', 'Expect: teapot\r\n'));
    assert.equal(expect.responses[0]?.status, 417);
    assert.equal(JSON.parse(expect.responses[0]!.body).status, 417);
    await assertStillServing();
  });
});

describe('proxy names', () => {
  test('names ".", ".." and names with "/" are refused with 400; nothing is created', async () => {
    for (const name of ['.', '..', 'a/b', '/', '']) {
      const res = await call('POST', '/proxies', { name, upstream });
      assert.equal(res.status, 400, JSON.stringify(name));
      assert.equal(res.json?.status, 400);
      const populate = await call('POST', '/populate', [{ name, upstream }]);
      assert.equal(populate.status, 400, `populate ${JSON.stringify(name)}`);
    }
    const list = await call('GET', '/proxies');
    assert.deepEqual(Object.keys(list.json ?? {}), []);
  });

  test('a lone surrogate in a name becomes U+FFFD, as Go decodes it, and the proxy can be read and deleted', async () => {
    const res = await call('POST', '/proxies', '{"name":"lone\\ud800x","upstream":"' + upstream + '"}');
    assert.equal(res.status, 201);
    assert.equal(res.json?.name, 'lone\ufffdx');
    const path = `/proxies/${encodeURIComponent('lone\ufffdx')}`;
    assert.equal((await call('GET', path)).status, 200);
    assert.equal((await call('DELETE', path)).status, 204);
    assert.equal((await call('GET', path)).status, 404);
  });

  test('toxic names ".", ".." and with "/" are refused too', async () => {
    await call('POST', '/proxies', { name: 'tn', upstream });
    for (const name of ['.', '..', 'a/b']) {
      const res = await call('POST', '/proxies/tn/toxics', { name, type: 'latency' });
      assert.equal(res.status, 400, name);
    }
    assert.deepEqual((await call('GET', '/proxies/tn/toxics')).json, []);
    assert.equal((await call('DELETE', '/proxies/tn')).status, 204);
  });
});

describe('updates, reset and populate', () => {
  test('a failed PATCH leaves the proxy as it was (listen, enabled, toxics, connections)', async () => {
    const created = await call('POST', '/proxies', { name: 'patchy', upstream });
    await call('POST', '/proxies/patchy/toxics', { type: 'latency', attributes: { latency: 1 } });
    const socket = await connect(portOf(created.json?.listen));
    await roundTrip(socket, Buffer.from('before'));
    const held = await holdPort();
    try {
      const res = await call('PATCH', '/proxies/patchy', { listen: `127.0.0.1:${held.port}` });
      assert.equal(res.status, 500, 'Go Toxiproxy answers a listen failure with 500');
      assert.match(String(res.json?.error), /bind: address already in use/);
      const after = await call('GET', '/proxies/patchy');
      assert.equal(after.json?.listen, created.json?.listen);
      assert.equal(after.json?.enabled, true);
      assert.equal((after.json?.toxics as unknown[]).length, 1);
      await roundTrip(socket, Buffer.from('the open connection survived'));
      const fresh = await connect(portOf(created.json?.listen));
      await roundTrip(fresh, Buffer.from('and the listener too'));
      fresh.destroy();
    } finally {
      socket.destroy();
      await held.release();
    }
    const moved = await call('PATCH', '/proxies/patchy', { listen: '127.0.0.1:0' });
    assert.equal(moved.status, 200);
    assert.notEqual(moved.json?.listen, created.json?.listen, 'a good update still moves it');
    assert.equal((await call('DELETE', '/proxies/patchy')).status, 204);
  });

  test('/reset completes for every proxy and reports the ones it could not re-enable', async () => {
    const port = await freePort();
    await call('POST', '/proxies', { name: 'stuck', listen: `127.0.0.1:${port}`, upstream, enabled: false });
    await call('POST', '/proxies', { name: 'later', upstream });
    await call('POST', '/proxies/later/toxics', { type: 'latency', attributes: { latency: 1 } });
    await call('PATCH', '/proxies/later', { enabled: false });
    const held = await holdPort(port);
    try {
      const res = await call('POST', '/reset');
      assert.equal(res.status, 500);
      assert.equal(res.json?.status, 500);
      assert.match(String(res.json?.error), /stuck/);
      assert.deepEqual((res.json?.proxies as { name: string }[]).map((p) => p.name), ['stuck']);
      const later = await call('GET', '/proxies/later');
      assert.equal(later.json?.enabled, true, 'the proxy after the stuck one was re-enabled');
      assert.deepEqual(later.json?.toxics, [], 'and lost its toxics');
    } finally {
      await held.release();
    }
    assert.equal((await call('POST', '/reset')).status, 204);
    assert.equal((await call('GET', '/proxies/stuck')).json?.enabled, true);
    for (const name of ['stuck', 'later']) assert.equal((await call('DELETE', `/proxies/${name}`)).status, 204);
  });

  test('populate is atomic: a listen in use half-way creates nothing and changes nothing', async () => {
    await call('POST', '/proxies', { name: 'pop-keep', upstream: '127.0.0.1:1', enabled: false });
    const held = await holdPort();
    try {
      const res = await call('POST', '/populate', [
        { name: 'pop-new', upstream },
        { name: 'pop-keep', upstream },
        { name: 'pop-clash', listen: `127.0.0.1:${held.port}`, upstream },
      ]);
      assert.equal(res.status, 500);
      assert.equal(res.json?.proxies, null, 'nothing kept: Go encodes the empty list as null');
      assert.equal((await call('GET', '/proxies/pop-new')).status, 404, 'the first entry was rolled back');
      const keep = await call('GET', '/proxies/pop-keep');
      assert.equal(keep.json?.upstream, '127.0.0.1:1', 'the replaced proxy is untouched');
      assert.equal(keep.json?.enabled, false);
    } finally {
      await held.release();
    }
    assert.equal((await call('DELETE', '/proxies/pop-keep')).status, 204);
  });

  test('a failed replacement in populate keeps the old proxy, its listener and its toxics', async () => {
    const old = await call('POST', '/proxies', { name: 'pop-old', upstream });
    await call('POST', '/proxies/pop-old/toxics', { type: 'latency', attributes: { latency: 1 } });
    const held = await holdPort();
    try {
      const res = await call('POST', '/populate', [{ name: 'pop-old', listen: `127.0.0.1:${held.port}`, upstream }]);
      assert.equal(res.status, 500);
      const after = await call('GET', '/proxies/pop-old');
      assert.equal(after.status, 200, 'the old proxy still exists');
      assert.equal(after.json?.listen, old.json?.listen);
      assert.equal(after.json?.enabled, true);
      assert.equal((after.json?.toxics as unknown[]).length, 1);
      const socket = await connect(portOf(old.json?.listen));
      await roundTrip(socket, Buffer.from('still there'));
      socket.destroy();
    } finally {
      await held.release();
    }
    assert.equal((await call('DELETE', '/proxies/pop-old')).status, 204);
  });
});

describe('addresses', () => {
  test('a proxy whose upstream is its own listen address is refused', async () => {
    const port = await freePort();
    for (const up of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const res = await call('POST', '/proxies', { name: 'loop', listen: `127.0.0.1:${port}`, upstream: up });
      assert.equal(res.status, 400, up);
      assert.match(String(res.json?.error), /own listen address/);
      assert.equal((await call('GET', '/proxies/loop')).status, 404);
    }
    const created = await call('POST', '/proxies', { name: 'loop2', upstream });
    const self = await call('PATCH', '/proxies/loop2', { upstream: created.json?.listen });
    assert.equal(self.status, 400);
    assert.equal((await call('GET', '/proxies/loop2')).json?.upstream, upstream, 'unchanged');
    const populate = await call('POST', '/populate', [{ name: 'loop3', listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${port}` }]);
    assert.equal(populate.status, 400);
    assert.equal((await call('DELETE', '/proxies/loop2')).status, 204);
    const listeners = (await call('GET', '/proxies')).json ?? {};
    assert.deepEqual(Object.keys(listeners), []);
    // The port is free again: no listener was leaked by the refusals.
    const held = await holdPort(port);
    await held.release();
  });

  test('the runtime loop guard recognises a socket connected to the listener itself', async () => {
    const held = await holdPort();
    try {
      const socket = await connect(held.port);
      try {
        assert.equal(socketIsSelf({ host: '127.0.0.1', port: held.port }, socket), true);
        assert.equal(socketIsSelf({ host: '0.0.0.0', port: held.port }, socket), true, 'a wildcard listener covers loopback');
        assert.equal(socketIsSelf({ host: '127.0.0.2', port: held.port }, socket), false);
        assert.equal(socketIsSelf({ host: '127.0.0.1', port: held.port + 1 }, socket), false);
      } finally {
        socket.destroy();
      }
    } finally {
      await held.release();
    }
  });

  test('listening on 0.0.0.0, [::], 0 or another non-loopback address needs allowNonLoopback', async () => {
    for (const listen of ['0.0.0.0:0', '[::]:0', '0:0', '10.1.2.3:0', 'example.com:0']) {
      const res = await call('POST', '/proxies', { name: 'wide', listen, upstream });
      assert.equal(res.status, 400, listen);
      assert.match(String(res.json?.error), /allow-non-loopback/);
    }
    await call('POST', '/proxies', { name: 'narrow', upstream });
    assert.equal((await call('PATCH', '/proxies/narrow', { listen: '0.0.0.0:0' })).status, 400);
    assert.equal((await call('POST', '/populate', [{ name: 'wide', listen: '0.0.0.0:0', upstream }])).status, 400);
    for (const listen of ['127.0.0.2:0', 'localhost:0', ':0']) {
      assert.equal((await call('PATCH', '/proxies/narrow', { listen })).status, 200, listen);
    }
    assert.equal((await call('DELETE', '/proxies/narrow')).status, 204);

    const wide = await startToxiproxyServer({ port: 0, allowNonLoopback: true, logConnections: false });
    try {
      const res = await fetch(`${wide.url}/proxies`, { method: 'POST', body: JSON.stringify({ name: 'wide', listen: '0.0.0.0:0', upstream }) });
      assert.equal(res.status, 201);
      const body = (await res.json()) as { listen: string };
      const socket = await connect(portOf(body.listen));
      await roundTrip(socket, Buffer.from('via the wildcard listener'));
      socket.destroy();
    } finally {
      await wide.close();
    }
  });
});
