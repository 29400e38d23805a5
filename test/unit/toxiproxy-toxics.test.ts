/**
 * Each toxic of the embedded Toxiproxy server, through real TCP on 127.0.0.1: an echo
 * server behind a proxy, toxics set through toxiproxy-node-client. Timing: what a toxic adds
 * is "at least X" (the toxic cannot be faster than its setting); upper bounds are never
 * absolute — they are the injected delay plus a multiple of a pass-through round trip
 * measured in the same test, so a slow, shared machine widens them by its own measure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from '../../harness/toxiproxy/toxiproxy-server.js';
import {
  connect,
  readBytes,
  roundTrip,
  startEchoServer,
  waitForClose,
  type EchoServer,
} from '../../harness/toxiproxy/testing/tcp-helpers.js';

let server: ToxiproxyServer;
let echo: EchoServer;
let client: Toxiproxy;
let counter = 0;

before(async () => {
  echo = await startEchoServer();
  server = await startToxiproxyServer({ port: 0 });
  client = new Toxiproxy(server.url);
});
after(async () => {
  await server.close();
  await echo.close();
});

async function newProxy(): Promise<{ proxy: Proxy; port: number }> {
  const proxy = await client.createProxy({
    name: `echo-${++counter}`,
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${echo.port}`,
  });
  return { proxy, port: Number(proxy.listen.split(':').pop()) };
}

/** Median round trip through a proxy without toxics, measured now: what this machine costs per round trip. */
async function passThroughMs(): Promise<number> {
  const { port } = await newProxy();
  const socket = await connect(port);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) times.push(await roundTrip(socket, Buffer.from(`base ${i}`)));
  socket.destroy();
  return times.sort((a, b) => a - b)[2]!;
}

/** How far above an injected delay a measurement may land: 100 pass-through round trips, at least 25 ms. */
const slack = (base: number) => Math.max(25, 100 * base);

// The client's typings want every field; the server fills defaults like Toxiproxy.
type AnyToxic = Parameters<Proxy['addToxic']>[0];
const toxic = (body: Record<string, unknown>): AnyToxic => body as unknown as AnyToxic;

describe('latency', () => {
  test('holds each reply at least `latency` ms, within a generous tolerance', async () => {
    const base = await passThroughMs();
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 100 } }));
    const socket = await connect(port);
    for (let i = 0; i < 3; i++) {
      const ms = await roundTrip(socket, Buffer.from(`ping ${i}`));
      assert.ok(ms >= 100, `round trip ${ms.toFixed(1)} ms is below the 100 ms latency`);
      assert.ok(ms < 100 + base + slack(base), `round trip ${ms.toFixed(1)} ms is far above 100 ms + a ${base.toFixed(2)} ms pass-through`);
    }
    socket.destroy();
  });

  test('pipelines back-to-back chunks instead of adding latency per chunk', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 150 } }));
    const socket = await connect(port);
    const started = performance.now();
    const all = readBytes(socket, 5 * 100);
    const parts: Buffer[] = [];
    for (let i = 0; i < 5; i++) {
      const part = Buffer.alloc(100, 65 + i);
      parts.push(part);
      socket.write(part);
      await sleep(20);
    }
    const got = await all;
    const ms = performance.now() - started;
    assert.deepEqual(got, Buffer.concat(parts), 'bytes arrive complete and in order');
    assert.ok(ms >= 150 + 80, `last chunk after ${ms.toFixed(1)} ms: it was sent ~80 ms after the first`);
    assert.ok(ms < 5 * 150, `${ms.toFixed(1)} ms: latency was applied cumulatively`);
    socket.destroy();
  });

  test('jitter keeps the delay within latency +/- jitter', async () => {
    const base = await passThroughMs();
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 60, jitter: 30 } }));
    const socket = await connect(port);
    for (let i = 0; i < 5; i++) {
      const ms = await roundTrip(socket, Buffer.from('j'));
      assert.ok(ms >= 30 && ms < 90 + base + slack(base), `round trip ${ms.toFixed(1)} ms outside 60 +/- 30 ms (pass-through ${base.toFixed(2)} ms)`);
    }
    socket.destroy();
  });

  test('toxicity 0.5 is drawn per connection: some connections are slowed, some are not', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'latency', toxicity: 0.5, attributes: { latency: 300 } }));
    const sockets = await Promise.all(Array.from({ length: 40 }, () => connect(port)));
    const times = await Promise.all(sockets.map((s) => roundTrip(s, Buffer.from('t'))));
    for (const s of sockets) s.destroy();
    const slowed = times.filter((ms) => ms >= 300).length;
    // Binomial(40, 0.5) falls outside 5..35 with probability ~1e-6.
    assert.ok(slowed >= 5 && slowed <= 35, `${slowed} of 40 connections slowed`);
  });

  test('toxicity 0 never applies the toxic', async () => {
    const base = await passThroughMs();
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'latency', toxicity: 0, attributes: { latency: 1000 } }));
    const socket = await connect(port);
    const ms = await roundTrip(socket, Buffer.from('fast'));
    assert.ok(ms < base + slack(base), `round trip ${ms.toFixed(1)} ms although toxicity is 0 (pass-through ${base.toFixed(2)} ms)`);
    socket.destroy();
  });
});

describe('bandwidth', () => {
  test('caps throughput at `rate` KB/s and keeps every byte', async () => {
    const payload = randomBytes(50_000); // 0.5 s at 100 KB/s
    // The same transfer through a proxy without the toxic, in this test: the machine's own cost.
    const plain = await newProxy();
    const plainSocket = await connect(plain.port);
    const t0 = performance.now();
    const plainGot = readBytes(plainSocket, payload.length, 10_000);
    plainSocket.write(payload);
    await plainGot;
    const base = performance.now() - t0;
    plainSocket.destroy();
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'bandwidth', attributes: { rate: 100 } })); // 100 KB/s
    const socket = await connect(port);
    const started = performance.now();
    const got = readBytes(socket, payload.length, 10_000);
    socket.write(payload);
    assert.deepEqual(await got, payload);
    const ms = performance.now() - started;
    assert.ok(ms >= 450, `50 KB at 100 KB/s took only ${ms.toFixed(0)} ms`);
    // At most twice the rate's time, plus the plain transfer and its slack.
    assert.ok(ms < 1000 + base + slack(base), `50 KB at 100 KB/s took ${ms.toFixed(0)} ms (plain: ${base.toFixed(1)} ms)`);
    socket.destroy();
  });
});

describe('slow_close', () => {
  test('delays the end of the stream by `delay` ms', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'slow_close', attributes: { delay: 300 } }));
    const base = await passThroughMs();
    const socket = await connect(port);
    const reply = readBytes(socket, 5);
    socket.end('hello');
    const started = performance.now();
    assert.equal((await reply).toString(), 'hello', 'data passes at once');
    const ended = new Promise<number>((resolve) => socket.once('end', () => resolve(performance.now() - started)));
    socket.resume();
    const ms = await ended;
    assert.ok(ms >= 300, `end arrived after ${ms.toFixed(0)} ms, before the 300 ms delay`);
    assert.ok(ms < 300 + base + slack(base), `end arrived after ${ms.toFixed(0)} ms (pass-through ${base.toFixed(2)} ms)`);
    socket.destroy();
  });
});

describe('timeout', () => {
  test('stops all data and closes the connection after `timeout` ms', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'timeout', attributes: { timeout: 200 } }));
    const base = await passThroughMs();
    const socket = await connect(port);
    socket.write('nobody hears this');
    const closed = await waitForClose(socket, 3000);
    assert.equal(closed.received, 0, 'no data passes');
    assert.ok(closed.afterMs >= 180, `closed after ${closed.afterMs.toFixed(0)} ms, before the timeout`);
    assert.ok(closed.afterMs < 200 + base + slack(base), `closed after ${closed.afterMs.toFixed(0)} ms (pass-through ${base.toFixed(2)} ms)`);
  });

  test('timeout 0 holds the connection open without data until the toxic is removed', async () => {
    const { proxy, port } = await newProxy();
    const t = await proxy.addToxic(toxic({ type: 'timeout', attributes: { timeout: 0 } }));
    const socket = await connect(port);
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.write('dropped');
    await sleep(300);
    assert.equal(received, 0, 'no data while the timeout toxic is attached');
    assert.equal(socket.destroyed, false, 'the connection stays open');
    await t.remove();
    socket.removeAllListeners('data');
    const reply = readBytes(socket, 5);
    socket.write('after');
    assert.equal((await reply).toString(), 'after', 'data flows again once the toxic is removed');
    socket.destroy();
  });
});

describe('reset_peer', () => {
  test('resets the connection (ECONNRESET) `timeout` ms after the first data', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 100 } }));
    const socket = await connect(port);
    await sleep(150);
    assert.equal(socket.destroyed, false, 'nothing happens before the first data');
    socket.write('trigger');
    const closed = await waitForClose(socket, 3000);
    assert.equal(closed.code, 'ECONNRESET');
    assert.ok(closed.afterMs >= 90, `reset after ${closed.afterMs.toFixed(0)} ms, before the timeout`);
  });
});

describe('limit_data', () => {
  test('closes the connection once `bytes` bytes have passed', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'limit_data', attributes: { bytes: 10 } }));
    const socket = await connect(port);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.write(Buffer.from('0123456789abcdefghij'));
    const closed = await waitForClose(socket, 3000);
    assert.equal(closed.code, null, 'a clean close, not a reset');
    assert.equal(Buffer.concat(chunks).toString(), '0123456789');
  });
});

describe('slicer', () => {
  test('delivers every byte in order, in many small pieces', async () => {
    const { proxy, port } = await newProxy();
    await proxy.addToxic(toxic({ type: 'slicer', attributes: { average_size: 10, size_variation: 5, delay: 100 } }));
    const socket = await connect(port);
    let pieces = 0;
    socket.on('data', () => pieces++);
    const payload = randomBytes(2000);
    const got = readBytes(socket, payload.length, 10_000);
    socket.write(payload);
    assert.deepEqual(await got, payload);
    assert.ok(pieces >= 20, `only ${pieces} pieces for 2000 bytes sliced at ~10 bytes`);
    socket.destroy();
  });
});

describe('live connections', () => {
  test('a toxic added, updated and removed applies to an open connection', async () => {
    const { proxy, port } = await newProxy();
    const socket = await connect(port);
    // This connection's own pass-through round trip, before any toxic: the baseline.
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push(await roundTrip(socket, Buffer.from(`a${i}`)));
    const base = times.sort((a, b) => a - b)[2]!;
    const t = await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 400 } }));
    const slowed = await roundTrip(socket, Buffer.from('b'));
    assert.ok(slowed >= 400 && slowed < 400 + base + slack(base), `after add: ${slowed.toFixed(1)} ms (baseline ${base.toFixed(2)} ms)`);
    const updated = await t.update(toxic({ attributes: { latency: 200 } }));
    assert.equal((updated.attributes as Record<string, number>).latency, 200);
    const faster = await roundTrip(socket, Buffer.from('c'));
    // The update took effect: closer to 200 than to 400.
    assert.ok(faster >= 200 && faster < 300 + base, `after update to 200 ms: ${faster.toFixed(1)} ms (baseline ${base.toFixed(2)} ms)`);
    await updated.remove();
    const plain = await roundTrip(socket, Buffer.from('d'));
    assert.ok(plain < base + slack(base), `after removal: ${plain.toFixed(1)} ms (baseline ${base.toFixed(2)} ms)`);
    socket.destroy();
  });

  test('removing a toxic with data in flight loses and reorders nothing', async () => {
    const base = await passThroughMs();
    const { proxy, port } = await newProxy();
    const t = await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 400 } }));
    const socket = await connect(port);
    const first = Buffer.alloc(1000, 'A');
    const second = Buffer.alloc(1000, 'B');
    const started = performance.now();
    const got = readBytes(socket, 2000);
    socket.write(first);
    await sleep(50);
    await t.remove(); // `first` is held by the toxic right now
    socket.write(second);
    assert.deepEqual(await got, Buffer.concat([first, second]));
    const ms = performance.now() - started;
    // Released at the removal (~50 ms in), not after the 400 ms latency.
    assert.ok(ms < 50 + base + Math.min(300, slack(base)), `held data was not released on removal (${ms.toFixed(0)} ms, pass-through ${base.toFixed(2)} ms)`);
    socket.destroy();
  });
});
