/**
 * The Toxiproxy HTTP API of the embedded server, through the real toxiproxy-node-client
 * 4.x and raw fetch where the client hides status codes and error bodies.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Toxiproxy, ToxiproxyError, type Proxy } from 'toxiproxy-node-client';
import { startToxiproxyServer, type ToxiproxyServer } from '../../harness/toxiproxy/toxiproxy-server.js';
import { connect, roundTrip, startEchoServer, type EchoServer } from '../../harness/toxiproxy/testing/tcp-helpers.js';

let server: ToxiproxyServer;
let echo: EchoServer;
let client: Toxiproxy;
let upstream: string;
const logLines: string[] = [];

before(async () => {
  echo = await startEchoServer();
  upstream = `127.0.0.1:${echo.port}`;
  server = await startToxiproxyServer({ port: 0, log: (line) => logLines.push(line) });
  client = new Toxiproxy(server.url);
});
after(async () => {
  await server.close();
  await echo.close();
});

type AnyToxic = Parameters<Proxy['addToxic']>[0];
const toxic = (body: Record<string, unknown>): AnyToxic => body as unknown as AnyToxic;

async function call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { method, body, headers });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, json: json as Record<string, unknown> | null, type: res.headers.get('content-type') };
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ToxiproxyError);
    assert.equal(error.message, `Request failed with status code ${status}`);
    return true;
  });
}

describe('proxies', () => {
  test('create, get, getAll, update and remove through toxiproxy-node-client', async () => {
    const created = await client.createProxy({ name: 'api-1', listen: '127.0.0.1:0', upstream });
    assert.equal(created.name, 'api-1');
    assert.equal(created.enabled, true);
    assert.match(created.listen, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(created.listen, '127.0.0.1:0', 'port 0 is resolved to the real port');
    const port = Number(created.listen.split(':')[1]);
    const socket = await connect(port);
    await roundTrip(socket, Buffer.from('through the proxy'));
    socket.destroy();

    const fetched = await client.get('api-1');
    assert.deepEqual(fetched.toJson(), created.toJson());
    const all = await client.getAll();
    assert.deepEqual(all['api-1']?.toJson(), created.toJson());

    const disabled = await fetched.update({ enabled: false, listen: fetched.listen, upstream });
    assert.equal(disabled.enabled, false);
    assert.equal((await client.get('api-1')).enabled, false);

    await disabled.remove();
    await rejectsWithStatus(client.get('api-1'), 404);
    assert.equal((await client.getAll())['api-1'], undefined);
  });

  test('PATCH updates only the fields given', async () => {
    await client.createProxy({ name: 'api-patch', listen: '127.0.0.1:0', upstream });
    const res = await call('PATCH', '/proxies/api-patch', JSON.stringify({ enabled: false }));
    assert.equal(res.status, 200);
    assert.equal(res.json?.enabled, false);
    assert.equal(res.json?.upstream, upstream);
    await (await client.get('api-patch')).remove();
  });

  test('populate creates, is idempotent, and replaces changed proxies', async () => {
    const body = [
      { name: 'pop-a', listen: '127.0.0.1:0', upstream },
      { name: 'pop-b', listen: '127.0.0.1:0', upstream, enabled: false },
    ];
    const first = await client.populate(body);
    assert.deepEqual(Object.keys(first).sort(), ['pop-a', 'pop-b']);
    assert.equal(first['pop-b']?.enabled, false);
    const again = await client.populate(body);
    assert.equal(again['pop-a']?.listen, first['pop-a']?.listen, 'an unchanged proxy keeps its port');
    const raw = await call('POST', '/populate', JSON.stringify([{ name: 'pop-a', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' }]));
    assert.equal(raw.status, 201);
    assert.equal((raw.json?.proxies as { upstream: string }[])[0]?.upstream, '127.0.0.1:1');
    for (const name of ['pop-a', 'pop-b']) await (await client.get(name)).remove();
  });

  test('409 for a duplicate name, 404 for unknown proxies, 400 for missing fields, 500 for a bad listen', async () => {
    await client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream });
    await rejectsWithStatus(client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream }), 409);
    const dup = await call('POST', '/proxies', JSON.stringify({ name: 'dup', upstream }));
    assert.deepEqual(dup.json, { error: 'proxy already exists', status: 409 });

    const missing = await call('POST', '/proxies', JSON.stringify({ name: 'no-upstream' }));
    assert.deepEqual(missing.json, { error: 'missing required field: upstream', status: 400 });
    const noName = await call('POST', '/proxies', JSON.stringify({ upstream }));
    assert.equal(noName.status, 400);
    assert.match(String(noName.json?.error), /name/);
    const badListen = await call('POST', '/proxies', JSON.stringify({ name: 'bl', listen: 'nowhere', upstream }));
    assert.deepEqual(badListen.json, { error: 'listen tcp: address nowhere: missing port in address', status: 500 }, 'as Go Toxiproxy');

    for (const [method, path] of [
      ['GET', '/proxies/ghost'],
      ['POST', '/proxies/ghost'],
      ['DELETE', '/proxies/ghost'],
      ['GET', '/proxies/ghost/toxics'],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? '{}' : undefined);
      assert.deepEqual(res.json, { error: 'proxy not found', status: 404 }, `${method} ${path}`);
    }
    await (await client.get('dup')).remove();
  });

  test('a listen address in use is refused with an error body, and the proxy is not created', async () => {
    const holder = await client.createProxy({ name: 'holder', listen: '127.0.0.1:0', upstream });
    const res = await call('POST', '/proxies', JSON.stringify({ name: 'clash', listen: holder.listen, upstream }));
    assert.equal(res.status, 500, 'as Go Toxiproxy');
    assert.equal(res.json?.error, `listen tcp ${holder.listen}: bind: address already in use`);
    assert.equal((await call('GET', '/proxies/clash')).status, 404);
    await holder.remove();
  });
});

describe('toxics', () => {
  test('add, get, list, update and remove through toxiproxy-node-client', async () => {
    const proxy = await client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream });
    const added = await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 10 } }));
    assert.deepEqual(added.toJson(), {
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 10, jitter: 0 },
    });
    const named = await proxy.addToxic(
      toxic({ name: 'slow-up', type: 'bandwidth', stream: 'upstream', toxicity: 0.5, attributes: { rate: 1000 } }),
    );
    assert.equal(named.toxicity, 0.5);
    assert.deepEqual((await proxy.getToxic('slow-up')).toJson(), named.toJson());

    const list = await call('GET', '/proxies/tox/toxics');
    assert.deepEqual(
      (list.json as unknown as { name: string }[]).map((t) => t.name),
      ['slow-up', 'latency_downstream'],
      'upstream toxics first, as Toxiproxy lists them',
    );
    assert.equal(((await call('GET', '/proxies/tox')).json?.toxics as unknown[]).length, 2);

    const updated = await added.update(toxic({ ...added.toJson(), attributes: { latency: 25 } }));
    assert.equal((updated.attributes as Record<string, number>).latency, 25);
    assert.equal((updated.attributes as Record<string, number>).jitter, 0, 'attributes not given keep their value');
    const toxicity = await call('PATCH', '/proxies/tox/toxics/latency_downstream', JSON.stringify({ toxicity: 0.25 }));
    assert.equal(toxicity.json?.toxicity, 0.25);
    assert.deepEqual(toxicity.json?.attributes, { latency: 25, jitter: 0 });

    await updated.remove();
    await rejectsWithStatus(proxy.getToxic('latency_downstream'), 404);
    const gone = await call('DELETE', '/proxies/tox/toxics/latency_downstream');
    assert.deepEqual(gone.json, { error: 'toxic not found', status: 404 });
    await proxy.remove();
  });

  test('400 for unknown types, bad streams and attributes of the wrong type; 409 for a duplicate name', async () => {
    const proxy = await client.createProxy({ name: 'tox-bad', listen: '127.0.0.1:0', upstream });
    // Only what Go Toxiproxy refuses (out-of-range values and unknown keys it accepts: see toxiproxy-fidelity.test.ts).
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: 'gremlins' }, /invalid toxic type/],
      [{ attributes: { latency: 1 } }, /invalid toxic type/],
      [{ type: 'latency', stream: 'sideways' }, /stream was invalid/],
      [{ type: 'latency', attributes: { latency: '5' } }, /attributes\.latency/],
      [{ type: 'latency', toxicity: 'x' }, /toxicity/],
      [{ type: 'slicer', attributes: { average_size: 0.5 } }, /attributes\.average_size/],
      [{ type: 'bandwidth', attributes: { rate: 1.5 } }, /attributes\.rate/],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/proxies/tox-bad/toxics', JSON.stringify(body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json?.status, 400);
      assert.match(String(res.json?.error), message, JSON.stringify(body));
    }
    await rejectsWithStatus(proxy.addToxic(toxic({ type: 'nope' })), 400);
    await proxy.addToxic(toxic({ type: 'timeout', attributes: { timeout: 0 } }));
    const dup = await call('POST', '/proxies/tox-bad/toxics', JSON.stringify({ type: 'timeout' }));
    assert.deepEqual(dup.json, { error: 'toxic already exists', status: 409 });
    const badUpdate = await call('POST', '/proxies/tox-bad/toxics/timeout_downstream', JSON.stringify({ attributes: { timeout: '5' } }));
    assert.equal(badUpdate.status, 400);
    assert.equal(((await proxy.getToxic("timeout_downstream")).attributes as Record<string, number>).timeout, 0, 'a rejected update changes nothing');
    await proxy.remove();
  });

  test('reset enables every proxy and removes every toxic', async () => {
    const proxy = await client.createProxy({ name: 'to-reset', listen: '127.0.0.1:0', upstream });
    await proxy.addToxic(toxic({ type: 'latency', attributes: { latency: 1000 } }));
    await proxy.update({ enabled: false, listen: proxy.listen, upstream });
    await client.reset();
    const after = await call('GET', '/proxies/to-reset');
    assert.equal(after.json?.enabled, true);
    assert.deepEqual(after.json?.toxics, []);
    const socket = await connect(Number(proxy.listen.split(':')[1]));
    assert.ok((await roundTrip(socket, Buffer.from('r'))) < 500);
    socket.destroy();
    await proxy.remove();
  });
});

describe('server', () => {
  test('version answers JSON that getVersion returns as text', async () => {
    const text = await client.getVersion();
    const parsed = JSON.parse(text) as { version: string };
    assert.match(parsed.version, /^2\.\d+\.\d+-php-session-lab$/);
  });

  test('metrics count bytes per proxy and direction in Prometheus text', async () => {
    const proxy = await client.createProxy({ name: 'metered', listen: '127.0.0.1:0', upstream });
    const socket = await connect(Number(proxy.listen.split(':')[1]));
    await roundTrip(socket, Buffer.alloc(1234, 1));
    socket.destroy();
    const res = await fetch(`${server.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    for (const family of ['received', 'sent']) {
      for (const direction of ['upstream', 'downstream']) {
        const line = text.split('\n').find((l) => l.startsWith(`toxiproxy_proxy_${family}_bytes_total{direction="${direction}"`) && l.includes('proxy="metered"'));
        assert.equal(line?.split(' ').pop(), '1234', `${family} ${direction}`);
      }
    }
    await proxy.remove();
  });

  test('browsers are refused with 403', async () => {
    const res = await call('GET', '/proxies', undefined, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    assert.equal(res.status, 403);
    assert.equal(res.json?.status, 403);
  });

  test('malformed requests get 4xx error bodies and the server keeps serving', async () => {
    const cases: [string, string, string | undefined, number][] = [
      ['POST', '/proxies', '{"name": "x", ', 400],
      ['POST', '/proxies', '', 400],
      ['POST', '/proxies', '[1,2,3]', 400],
      ['POST', '/proxies', 'null', 400],
      ['POST', '/populate', '{"not": "an array"}', 400],
      ['POST', '/populate', '[{"name": "x"}]', 400],
      ['POST', '/proxies', JSON.stringify({ name: 'big', upstream, pad: 'x'.repeat(1024 * 1024 + 10) }), 413],
      ['GET', '/nothing-here', undefined, 404],
      ['PUT', '/proxies', '{}', 405],
      ['GET', '/proxies/%E0%A4%A', undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await call(method, path, body);
      assert.equal(res.status, status, `${method} ${path} ${body?.slice(0, 40)}`);
      assert.equal(res.json?.status, status);
      assert.equal(typeof res.json?.error, 'string');
    }
    assert.equal((await call('GET', '/version')).status, 200, 'still serving');
    assert.equal((await call('GET', '/proxies/x')).status, 404, 'nothing was created by bad bodies');
  });

  test('logs one line per API call', async () => {
    const before = logLines.length;
    await call('GET', '/proxies');
    assert.ok(logLines.slice(before).some((l) => /^api GET \/proxies 200 /.test(l)), logLines.slice(before).join('\n'));
  });
});
