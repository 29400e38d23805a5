import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { dispatchGet, dispatchRequest, type Answer } from '../../harness/workload/undici-dispatch.js';
import { exchange } from '../../harness/workload/job-exchange.js';

/**
 * A raw HTTP/1.1 server: each path answers with exact bytes (header case, repeated headers,
 * a body cut into pieces written apart), so the lean GET is compared with the general
 * request on what a real server may send, not on what Node's own server would.
 */
async function rawServer(answers: Record<string, Array<string | Buffer>>) {
  const seen: Array<{ path: string; cookie: string | undefined }> = [];
  const server = createServer((socket: Socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', async (data) => {
      pending = Buffer.concat([pending, data]);
      let end: number;
      while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
        const head = pending.subarray(0, end).toString('latin1');
        pending = pending.subarray(end + 4);
        const [line, ...headers] = head.split('\r\n');
        const path = line!.split(' ')[1]!;
        const cookie = headers.find((h) => /^cookie:/i.test(h))?.replace(/^cookie:\s*/i, '');
        seen.push({ path, cookie });
        const pieces = answers[path.split('?')[0]!];
        if (!pieces) {
          socket.destroy();
          return;
        }
        for (const piece of pieces) {
          if (piece === 'CLOSE') {
            socket.destroy();
            return;
          }
          socket.write(piece);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const chunked = (parts: Array<string | Buffer>) =>
  parts.map((p) => {
    const b = Buffer.isBuffer(p) ? p : Buffer.from(p, 'utf8');
    return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
  });

const euro = Buffer.from('{"price":"12 €"}', 'utf8');
const cut = euro.indexOf(0xe2) + 1; // inside the euro sign's three bytes

const ANSWERS: Record<string, Array<string | Buffer>> = {
  '/two-cookies': [
    'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: PHPSESSID=abc; path=/\r\nX-Psl-Node: node-2\r\n' +
      'SET-COOKIE: SRV=n2; path=/\r\nTransfer-Encoding: chunked\r\n\r\n',
    ...chunked(['{"visit_count":', '1,"node":"node-2"', '}']),
    '0\r\n\r\n',
  ],
  '/redirect': ['HTTP/1.1 302 Found\r\nLOCATION: /next?x=1\r\nlocation: /second\r\nContent-Length: 0\r\n\r\n'],
  '/empty': ['HTTP/1.1 204 No Content\r\nx-psl-node: node-3\r\n\r\n'],
  '/utf8': [`HTTP/1.1 200 OK\r\nContent-Length: ${euro.length}\r\n\r\n`, euro.subarray(0, cut), euro.subarray(cut)],
  '/one-cookie': ['HTTP/1.1 500 Oops\r\nset-cookie: PHPSESSID=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT\r\nContent-Length: 4\r\n\r\nfail'],
  '/cut': ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"visit', 'CLOSE'],
};

const comparable = (a: Answer) => ({ ...a, sentAt: typeof a.sentAt });

test('dispatchGet (the lean visit path) gives the same answer as the general request, header case and repeats included', async () => {
  const server = await rawServer(ANSWERS);
  const pool = new Pool(server.url, { connections: 2, pipelining: 1 });
  try {
    for (const path of ['/two-cookies', '/redirect', '/empty', '/utf8', '/one-cookie']) {
      const lean = await dispatchGet(pool, path, 'PHPSESSID=abc');
      const general = await dispatchRequest(pool, { method: 'GET', path }, 'PHPSESSID=abc');
      assert.deepEqual(comparable(lean), comparable(general), path);
      assert.equal(typeof lean.sentAt, 'number', `${path}: when the request went onto a socket`);
    }
    const two = await dispatchGet(pool, '/two-cookies', '');
    assert.deepEqual(two.setCookie, ['PHPSESSID=abc; path=/', 'SRV=n2; path=/']);
    assert.equal(two.node, 'node-2');
    assert.equal(two.body, '{"visit_count":1,"node":"node-2"}');
    const redirect = await dispatchGet(pool, '/redirect', '');
    assert.equal(redirect.location, '/next?x=1', 'the first Location');
    assert.equal((await dispatchGet(pool, '/utf8', '')).body, '{"price":"12 €"}', 'a character cut between two reads');
    assert.deepEqual(
      server.seen.filter((s) => s.path === '/two-cookies').map((s) => s.cookie),
      ['PHPSESSID=abc', 'PHPSESSID=abc', undefined],
      'the jar is sent as the Cookie header; none when it is empty',
    );
  } finally {
    await pool.destroy();
    await server.close();
  }
});

test('dispatchGet: a connection closed mid-answer rejects, as the general request does', async () => {
  const server = await rawServer(ANSWERS);
  const pool = new Pool(server.url, { connections: 1, pipelining: 1 });
  try {
    await assert.rejects(dispatchGet(pool, '/cut', ''));
    await assert.rejects(dispatchRequest(pool, { method: 'GET', path: '/cut' }, ''));
  } finally {
    await pool.destroy();
    await server.close();
  }
});

test('exchange, plain visit: the answer as dispatched, Set-Cookie kept in the jar and sent back', async () => {
  const server = await rawServer(ANSWERS);
  const pool = new Pool(server.url, { connections: 1, pipelining: 1 });
  try {
    const jar = new Map<string, string>();
    const first = await exchange(pool, server.url, { userIndex: 0, path: '/two-cookies?user=u1', kind: 'visit' }, jar);
    assert.equal(first.status, 200);
    assert.deepEqual([...jar], [['PHPSESSID', 'abc'], ['SRV', 'n2']]);
    await exchange(pool, server.url, { userIndex: 0, path: '/one-cookie', kind: 'visit' }, jar);
    assert.deepEqual([...jar], [['SRV', 'n2']], 'a deleted cookie leaves the jar');
    // A plain visit never follows a redirect (only a journey step asks for that).
    const redirect = await exchange(pool, server.url, { userIndex: 0, path: '/redirect', kind: 'visit' }, jar);
    assert.equal(redirect.status, 302);
    assert.deepEqual(server.seen.map((s) => s.cookie), [undefined, 'PHPSESSID=abc; SRV=n2', 'SRV=n2']);
  } finally {
    await pool.destroy();
    await server.close();
  }
});
