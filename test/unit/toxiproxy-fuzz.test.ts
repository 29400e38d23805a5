/**
 * Property-based fuzzing of the embedded Toxiproxy server with fast-check: random API
 * requests (methods, paths, bodies), raw HTTP with good and bad framing (chunked, bad
 * Content-Length, aborts, pipelining), and toxic churn during a byte stream. Invariants: the
 * server never dies (/version answers after every run), no 5xx for client errors (only the
 * 500 Go Toxiproxy gives for an address it cannot listen on), every
 * request answers in bounded time, every created proxy can be read and deleted, no listener
 * or socket is leaked. Bounded to a few thousand requests; FUZZ_SEED=n replays a run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { startToxiproxyServer, type ToxiproxyServer } from '../../harness/toxiproxy/toxiproxy-server.js';
import { connect, readBytes, startEchoServer, type EchoServer } from '../../harness/toxiproxy/testing/tcp-helpers.js';
import { rawExchange } from '../../harness/toxiproxy/testing/raw-http.js';
import { httpCall, type CallResult } from '../../harness/toxiproxy/testing/http-call.js';
import {
  apiRequestArb,
  encodeName,
  incompleteFramings,
  rawBytes,
  rawRequestArb,
  type FuzzContext,
} from '../../harness/toxiproxy/testing/fuzz-arbitraries.js';
import { isLoopbackHost } from '../../harness/toxiproxy/listen-policy.js';
import { parseHostPort } from '../../harness/toxiproxy/host-port.js';

const REQUEST_TIMEOUT_MS = 600;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const KNOWN_STATUSES = new Set([200, 201, 204, 400, 403, 404, 405, 408, 409, 413, 417, 431, 500]);

let server: ToxiproxyServer;
let echo: EchoServer;
let ctx: FuzzContext;
let agent: http.Agent;
let baselineListeners = 0;
let baselineSockets = 0;
let apiRequests = 0;
let rawConnections = 0;
const logLines: string[] = [];

const countHandles = (kind: string): number => process.getActiveResourcesInfo().filter((r) => r === kind).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  echo = await startEchoServer();
  const spare = net.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const freePort = (spare.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => spare.close(() => resolve()));
  server = await startToxiproxyServer({
    port: 0,
    log: (line) => logLines.push(line),
    logConnections: false,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  });
  ctx = { upstream: `127.0.0.1:${echo.port}`, freePort };
  agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  await sleep(20); // closed handles leave the active list a tick later
  baselineListeners = countHandles('TCPServerWrap');
  baselineSockets = countHandles('TCPSocketWrap');
});

after(async () => {
  agent.destroy();
  await server.close();
  await echo.close();
});

async function api(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<CallResult> {
  apiRequests++;
  return httpCall(agent, server.port, method, path, body, headers, 5000);
}

/** Go Toxiproxy's 500 for a listen address it cannot resolve or bind (proxy.go via api.go), also from /reset. */
const GO_LISTEN_FAILURE = /^(listen tcp|address |lookup |reset could not re-enable)/;

/** No 5xx (but Go's listen failures), a known status, and a JSON error body {error, status} for every error. */
function checkAnswer(method: string, path: string, res: { status: number; text: string }): void {
  const where = `${method} ${path} -> ${res.status} ${res.text.slice(0, 200)}`;
  if (res.status === 500) assert.match(String((JSON.parse(res.text) as { error?: unknown }).error), GO_LISTEN_FAILURE, where);
  else assert.ok(res.status < 500, where);
  assert.ok(KNOWN_STATUSES.has(res.status), where);
  if (res.status >= 400 && method !== 'HEAD') {
    const body = JSON.parse(res.text) as { error?: unknown; status?: unknown };
    assert.equal(body.status, res.status, where);
    assert.equal(typeof body.error, 'string', where);
  }
}

async function assertAlive(): Promise<void> {
  const res = await api('GET', '/version');
  assert.equal(res.status, 200, 'the server still answers /version');
}

/** Reads, then deletes, every proxy by its (percent-encoded) name; checks listen addresses. */
async function deleteEveryProxy(): Promise<number> {
  const all = JSON.parse((await api('GET', '/proxies')).text) as Record<string, { name: string; listen: string; enabled: boolean }>;
  for (const [key, proxy] of Object.entries(all)) {
    assert.equal(proxy.name, key);
    // A disabled proxy keeps any listen string, as in Go Toxiproxy; an enabled one is on loopback.
    if (proxy.enabled) assert.ok(isLoopbackHost(parseHostPort(proxy.listen, 'listen').host), `proxy ${JSON.stringify(key)} listens on ${proxy.listen}`);
    const path = `/proxies/${encodeName(key)}`;
    const got = await api('GET', path);
    assert.equal(got.status, 200, `GET ${path}: a created proxy can be read`);
    assert.equal((JSON.parse(got.text) as { name: string }).name, key);
    assert.equal((await api('DELETE', path)).status, 204, `DELETE ${path}: a created proxy can be deleted`);
  }
  assert.equal((await api('GET', '/proxies')).text, '{}');
  return Object.keys(all).length;
}

function assertNoListenerLeaked(): void {
  assert.equal(countHandles('TCPServerWrap'), baselineListeners, 'listening sockets back to the baseline');
}

describe('fuzz', () => {
  test('random API requests: no crash, no 5xx, bounded answers, every created proxy deletable, no listener leaked', async (t) => {
    let created = 0;
    let leftToDelete = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(apiRequestArb(ctx), { minLength: 1, maxLength: 20 }), async (requests) => {
        for (const r of requests) {
          const headers: Record<string, string> = r.browser ? { 'user-agent': 'Mozilla/5.0' } : {};
          const res = await api(r.method, r.path, r.body, headers);
          checkAnswer(r.method, r.path, res);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 201) created += r.path === '/populate' ? ((JSON.parse(res.text) as { proxies: unknown[] | null }).proxies ?? []).length : 1;
        }
        await assertAlive();
        leftToDelete += await deleteEveryProxy();
        assertNoListenerLeaked();
      }),
      { numRuns: 250, seed, includeErrorInReport: true },
    );
    const histogram = [...statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k}:${v}`).join(' ');
    t.diagnostic(`api requests so far: ${apiRequests}; statuses ${histogram}; proxies created ${created}, deleted at run ends ${leftToDelete}`);
    assert.ok(created >= 150, `only ${created} proxies were created: the generators miss the happy path`);
    const successes = (statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) + (statuses.get(204) ?? 0);
    assert.ok(successes >= 200 && (statuses.get(200) ?? 0) >= 15, `too few successful requests (${histogram})`);
  });

  test('raw framing (chunked, bad Content-Length, pipelining, aborts): answers once, closes cleanly, never 5xx', async (t) => {
    const before = apiRequests;
    const outcomes = new Map<string, number>();
    const tally = (key: string): void => void outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(rawRequestArb(ctx), async (r) => {
        const { bytes, requests } = rawBytes(r);
        rawConnections++;
        const result = await rawExchange(
          server.port,
          async (socket) => {
            if (r.mode === 'abort') {
              socket.write(bytes.subarray(0, Math.floor(bytes.length * r.cut)));
              await sleep(2);
              socket.destroy();
              return;
            }
            if (r.mode === 'trickle') {
              for (let at = 0; at < bytes.length && !socket.destroyed; at += 16 * 1024) {
                socket.write(bytes.subarray(at, at + 16 * 1024));
                await sleep(1);
              }
            } else {
              socket.write(bytes);
            }
            if (r.mode !== 'keep-open') socket.end();
          },
          {
            timeoutMs: r.mode === 'keep-open' ? REQUEST_TIMEOUT_MS + 1500 : 3000,
            head: r.method === 'HEAD',
            // A keep-alive answer on a connection we keep open: nothing more will come.
            stopWhen: r.mode === 'keep-open' ? (got) => got.length > 0 && got.at(-1)!.headers.connection !== 'close' : undefined,
          },
        );
        const label = `${JSON.stringify(bytes.subarray(0, 160).toString('latin1'))} (${r.mode}, ${bytes.length} bytes)`;
        tally(`end:${result.end}`);
        for (const answer of result.responses) tally(String(answer.status));
        for (const answer of result.responses) checkAnswer(r.method, r.target, { status: answer.status, text: answer.body });
        assert.ok(result.responses.length <= requests, `${label}: ${result.responses.length} answers for ${requests} requests`);
        const last = result.responses.at(-1);
        // Only a keep-alive answer to a connection we keep open may leave it open.
        const mayStayOpen = result.end === 'open' && last !== undefined && last.headers.connection !== 'close';
        if (r.mode !== 'abort' && !mayStayOpen) {
          assert.notEqual(result.end, 'timeout', `${label}: the connection was left open`);
          assert.equal(result.end, 'fin', `${label}: closed with a reset`);
          const first = result.responses[0];
          if (r.mode === 'pipeline' && first && first.headers.connection !== 'close') {
            assert.ok(result.responses.length >= 2, `${label}: a keep-alive answer, but the next request was not answered`);
          }
        }
        if (r.mode !== 'abort' && !incompleteFramings.has(r.framing)) {
          assert.ok(result.responses.length >= 1, `${label}: a complete request got no answer (${result.end})`);
        }
        if (r.mode === 'keep-open') {
          assert.ok(result.responses.length >= 1, `${label}: nothing answered a request left open`);
        }
        await assertAlive();
      }),
      { numRuns: 300, seed, includeErrorInReport: true },
    );
    const serverErrors = logLines.filter((l) => /^api \S+ \S+ 5\d\d /.test(l) && !/ 500 [\d.]+ms (listen tcp|address |lookup |reset could not re-enable)/.test(l));
    assert.deepEqual(serverErrors, [], 'no request was logged as a server error');
    const seen = [...outcomes].sort().map(([k, v]) => `${k}:${v}`).join(' ');
    t.diagnostic(`raw connections: ${rawConnections} (${seen}); api requests during this test: ${apiRequests - before}`);
    await deleteEveryProxy();
    assertNoListenerLeaked();
  });

  test('toxic churn during a byte stream: every byte comes back in order', async (t) => {
    const kindArb = fc.oneof(
      fc.record({ type: fc.constant('latency'), attributes: fc.record({ latency: fc.integer({ min: 0, max: 8 }), jitter: fc.integer({ min: 0, max: 3 }) }) }),
      fc.record({ type: fc.constant('bandwidth'), attributes: fc.record({ rate: fc.integer({ min: 4000, max: 40_000 }) }) }),
      fc.record({
        type: fc.constant('slicer'),
        attributes: fc.integer({ min: 64, max: 4096 }).chain((avg) =>
          fc.record({ average_size: fc.constant(avg), size_variation: fc.integer({ min: 0, max: avg - 1 }), delay: fc.integer({ min: 0, max: 50 }) }),
        ),
      }),
      fc.record({ type: fc.constant('slow_close'), attributes: fc.record({ delay: fc.integer({ min: 0, max: 5 }) }) }),
    );
    const opArb = fc.record({
      op: fc.constantFrom('add', 'add', 'update', 'remove'),
      slot: fc.integer({ min: 0, max: 3 }),
      stream: fc.constantFrom('upstream', 'downstream'),
      toxicity: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })),
      kind: kindArb,
      pauseMs: fc.integer({ min: 0, max: 6 }),
    });
    let runs = 0;
    let changes = 0;
    let expected = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 30 }), fc.integer({ min: 1, max: 3 }), async (ops, connections) => {
        runs++;
        const name = `churn-${runs}`;
        const created = await api('POST', '/proxies', JSON.stringify({ name, listen: '127.0.0.1:0', upstream: ctx.upstream }));
        assert.equal(created.status, 201);
        const port = Number((JSON.parse(created.text) as { listen: string }).listen.split(':').pop());
        const sockets = await Promise.all(Array.from({ length: connections }, () => connect(port)));
        try {
          const payloads = sockets.map(() => randomBytes(96 * 1024));
          const replies = sockets.map((s, i) => readBytes(s, payloads[i]!.length, 15_000));
          const writers = sockets.map(async (s, i) => {
            const data = payloads[i]!;
            for (let off = 0; off < data.length; off += 4096) {
              s.write(data.subarray(off, off + 4096));
              await sleep(Math.random() * 3);
            }
          });
          // What the API must accept: an add of a name not present, an update or a removal of one present.
          const present = new Set<string>();
          for (const op of ops) {
            const toxicName = `t${op.slot}_${op.stream}`;
            if (op.op === 'add' ? !present.has(toxicName) : present.has(toxicName)) expected++;
            if (op.op === 'add') present.add(toxicName);
            else if (op.op === 'remove') present.delete(toxicName);
          }
          const churner = (async () => {
            for (const op of ops) {
              const toxicName = `t${op.slot}_${op.stream}`;
              const path = `/proxies/${name}/toxics`;
              let res: CallResult;
              if (op.op === 'add') {
                const body = { name: toxicName, type: op.kind.type, stream: op.stream, toxicity: op.toxicity, attributes: op.kind.attributes };
                res = await api('POST', path, JSON.stringify(body));
              } else if (op.op === 'update') {
                res = await api('PATCH', `${path}/${toxicName}`, JSON.stringify({ toxicity: op.toxicity }));
              } else {
                res = await api('DELETE', `${path}/${toxicName}`);
              }
              checkAnswer(op.op, path, res);
              if (res.status < 300) changes++;
              await sleep(op.pauseMs);
            }
          })();
          await Promise.all([...writers, churner]);
          const got = await Promise.all(replies);
          got.forEach((g, i) => assert.ok(g.equals(payloads[i]!), `connection ${i}: bytes lost or reordered`));
        } finally {
          for (const s of sockets) s.destroy();
          assert.equal((await api('DELETE', `/proxies/${name}`)).status, 204);
        }
      }),
      { numRuns: 14, seed, includeErrorInReport: true },
    );
    t.diagnostic(`churn runs: ${runs}; toxic changes applied during transfers: ${changes}`);
    // Every change the model allows was applied, and nothing else (the number itself depends on the seed).
    assert.equal(changes, expected, `${changes} toxic changes succeeded, the model of the calls allows ${expected}`);
    assert.ok(changes >= runs, `only ${changes} toxic changes in ${runs} runs`);
  });

  test('at the end: no proxy, no listener, no socket left behind', async (t) => {
    await assertAlive();
    assert.equal((await api('GET', '/proxies')).text, '{}');
    assertNoListenerLeaked();
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    // Lingering closes end within 1 s; give them that long.
    const deadline = performance.now() + 3000;
    while (countHandles('TCPSocketWrap') > baselineSockets && performance.now() < deadline) await sleep(50);
    assert.equal(countHandles('TCPSocketWrap'), baselineSockets, 'sockets back to the baseline');
    t.diagnostic(`total api requests: ${apiRequests + 1}; raw connections: ${rawConnections}`);
  });
});
