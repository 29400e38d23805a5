/**
 * Proxy plumbing of the embedded Toxiproxy server with real TCP on 127.0.0.1: byte-exact
 * transfer, half-close, backpressure, enable/disable (the "down" fault), upstream down,
 * and close() leaving nothing open.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
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

async function newProxy(upstreamPort = echo.port): Promise<{ proxy: Proxy; port: number }> {
  const proxy = await client.createProxy({
    name: `p-${++counter}`,
    listen: '127.0.0.1:0',
    upstream: `127.0.0.1:${upstreamPort}`,
  });
  return { proxy, port: Number(proxy.listen.split(':').pop()) };
}

type AnyToxic = Parameters<Proxy['addToxic']>[0];
const toxic = (body: Record<string, unknown>): AnyToxic => body as unknown as AnyToxic;

async function refused(port: number): Promise<boolean> {
  return connect(port, 2000).then(
    (s) => {
      s.destroy();
      return false;
    },
    (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED',
  );
}

/** A server that accepts and never reads: whatever the proxy reads from the client piles up. */
async function startStalledServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    s.pause();
    s.on('error', () => {});
    sockets.add(s);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      srv.close();
    },
  };
}

/** Bytes the proxy has read from its clients (GET /metrics). */
async function receivedBytes(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('toxiproxy_proxy_received_bytes_total{direction="upstream"') && l.includes(`proxy="${name}"`));
  assert.ok(line, `no metrics line for ${name}`);
  return Number(line.split(' ').pop());
}

describe('data path', () => {
  test('4 MiB of random bytes come back byte for byte', async () => {
    const { port } = await newProxy();
    const socket = await connect(port);
    const payload = randomBytes(4 * 1024 * 1024);
    const got = readBytes(socket, payload.length, 10_000);
    socket.write(payload);
    assert.ok((await got).equals(payload));
    socket.destroy();
  });

  test('a half-close passes through: the reply still arrives, then the end', async () => {
    const { port } = await newProxy();
    const socket = await connect(port);
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((resolve) => socket.once('end', resolve));
    socket.end('last words');
    await ended;
    assert.equal(Buffer.concat(chunks).toString(), 'last words');
    socket.destroy();
  });

  for (const withToxic of [false, true]) {
    test(`a server that stops reading stops the client (backpressure, ${withToxic ? 'toxic chain' : 'fast path'})`, async () => {
      const stalled = await startStalledServer();
      try {
        const { proxy, port } = await newProxy(stalled.port);
        if (withToxic) await proxy.addToxic(toxic({ type: 'latency', stream: 'upstream', attributes: { latency: 1 } }));
        const socket = await connect(port);
        const block = Buffer.alloc(1024 * 1024, 7);
        for (let sent = 0; sent < 256 * block.length; sent += block.length) socket.write(block);
        await sleep(500);
        const early = await receivedBytes(proxy.name);
        await sleep(500);
        const late = await receivedBytes(proxy.name);
        socket.destroy();
        // Once kernel buffers are full the proxy stops reading; without backpressure it
        // would keep reading the client into memory (tens of MiB per second here).
        assert.ok(late < 48 * 1024 * 1024, `proxy read ${(late / 1048576).toFixed(1)} MiB from the client`);
        assert.ok(late - early < 2 * 1024 * 1024, `proxy kept reading: ${early} -> ${late} bytes`);
      } finally {
        stalled.close();
      }
    });
  }
});

describe('toxic churn', () => {
  test('toxics added, updated and removed during transfers lose and reorder no byte', async () => {
    const { proxy, port } = await newProxy();
    const sockets = await Promise.all(Array.from({ length: 12 }, () => connect(port)));
    const payloads = sockets.map(() => randomBytes(256 * 1024));
    const replies = sockets.map((s, i) => readBytes(s, payloads[i]!.length, 20_000));
    const writers = sockets.map(async (s, i) => {
      const data = payloads[i]!;
      for (let off = 0; off < data.length; off += 4096) {
        s.write(data.subarray(off, off + 4096));
        await sleep(Math.random() * 6);
      }
    });
    const kinds = [
      { type: 'latency', attributes: () => ({ latency: Math.floor(Math.random() * 20), jitter: Math.floor(Math.random() * 5) }) },
      { type: 'bandwidth', attributes: () => ({ rate: 5000 + Math.floor(Math.random() * 5000) }) },
      { type: 'slicer', attributes: () => ({ average_size: 2048, size_variation: 1024, delay: 0 }) },
      { type: 'slow_close', attributes: () => ({ delay: 1 }) },
    ];
    let churn = true;
    let step = 0;
    const churner = (async () => {
      while (churn && step < 200) {
        step++;
        const kind = kinds[step % kinds.length]!;
        const stream = step % 3 === 0 ? 'upstream' : 'downstream';
        const name = `${kind.type}_${stream}`;
        const existing = (await proxy.getToxic(name).catch(() => null));
        if (!existing) await proxy.addToxic(toxic({ name, type: kind.type, stream, toxicity: 0.7, attributes: kind.attributes() }));
        else if (step % 2 === 0) await existing.update(toxic({ attributes: kind.attributes(), toxicity: Math.random() }));
        else await existing.remove();
        await sleep(5);
      }
    })();
    await Promise.all(writers);
    const got = await Promise.all(replies);
    const stepsDuringTransfer = step;
    churn = false;
    await churner;
    assert.ok(stepsDuringTransfer >= 15, `only ${stepsDuringTransfer} toxic changes happened during the transfers`);
    got.forEach((g, i) => assert.ok(g.equals(payloads[i]!), `connection ${i}: bytes lost or reordered`));
    for (const s of sockets) s.destroy();
  });
});

describe('enable / disable', () => {
  test('enabled:false drops open connections and refuses new ones; enabling listens on the same port', async () => {
    const { proxy, port } = await newProxy();
    const socket = await connect(port);
    await roundTrip(socket, Buffer.from('up'));
    const closed = waitForClose(socket, 3000);
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    assert.equal(down.enabled, false);
    await closed;
    assert.ok(await refused(port), 'a disabled proxy refuses connections');
    const up = await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    assert.equal(up.listen, `127.0.0.1:${port}`);
    const again = await connect(port);
    await roundTrip(again, Buffer.from('back'));
    again.destroy();
  });

  test('a proxy created disabled does not listen', async () => {
    const proxy = await client.createProxy({ name: `off-${++counter}`, listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}`, enabled: false });
    assert.equal(proxy.enabled, false);
    // Go Toxiproxy reports the listen address as given for a proxy that is not listening.
    assert.equal(proxy.listen, '127.0.0.1:0');
    // Nothing listens for it: enabling it later binds a fresh port, which then answers.
    const up = await proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    const port = Number(up.listen.split(':').pop());
    assert.notEqual(port, 0);
    const socket = await connect(port);
    await roundTrip(socket, Buffer.from('on'));
    socket.destroy();
    await proxy.update({ enabled: false, listen: up.listen, upstream: proxy.upstream });
    assert.ok(await refused(port), 'disabled again, its port still answers');
  });

  test('changing upstream restarts the proxy towards the new server', async () => {
    const other = net.createServer((s) => s.end('other server\n'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const { proxy, port } = await newProxy();
      const moved = await proxy.update({ enabled: true, listen: proxy.listen, upstream: `127.0.0.1:${(other.address() as net.AddressInfo).port}` });
      assert.equal(moved.listen, `127.0.0.1:${port}`);
      const socket = await connect(port);
      assert.equal((await readBytes(socket, 13)).toString(), 'other server\n');
      socket.destroy();
    } finally {
      other.close();
    }
  });
});

describe('failures', () => {
  test('an upstream that refuses connections closes the client connection', async () => {
    const dead = net.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const { port } = await newProxy(deadPort);
    const socket = await connect(port);
    const closed = await waitForClose(socket, 3000);
    assert.equal(closed.received, 0);
  });

  test('close() closes the API, every listener and every connection', async () => {
    const own = await startToxiproxyServer({ port: 0 });
    const api = new Toxiproxy(own.url);
    const proxy = await api.createProxy({ name: 'x', listen: '127.0.0.1:0', upstream: `127.0.0.1:${echo.port}` });
    const port = Number(proxy.listen.split(':').pop());
    const socket = await connect(port);
    await roundTrip(socket, Buffer.from('x'));
    const closed = waitForClose(socket, 3000);
    await own.close();
    await closed;
    assert.ok(await refused(port), 'proxy listener closed');
    assert.ok(await refused(own.port), 'API closed');
  });
});
