/**
 * Fidelity to Go Toxiproxy (Shopify/toxiproxy f48fd7f, v2.12.0 + fixes, built with Go 1.23):
 * for each body Go Toxiproxy accepts or refuses, the embedded server gives the same status
 * and the same error body. Expected texts come from reading api.go, proxy.go,
 * proxy_collection.go, toxic_collection.go, toxics/*.go and Go's encoding/json and net.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startToxiproxyServer, type ToxiproxyServer } from '../../harness/toxiproxy/toxiproxy-server.js';
import { connect, readBytes, startEchoServer, waitForClose, type EchoServer } from '../../harness/toxiproxy/testing/tcp-helpers.js';

let server: ToxiproxyServer;
let echo: EchoServer;
let upstream: string;

before(async () => {
  echo = await startEchoServer();
  upstream = `127.0.0.1:${echo.port}`;
  server = await startToxiproxyServer({ port: 0, logConnections: false });
});
after(async () => {
  await server.close();
  await echo.close();
});

interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown> | null;
}

async function call(method: string, path: string, body?: string): Promise<Answer> {
  const res = await fetch(`${server.url}${path}`, { method, body });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}

/** Asserts Go Toxiproxy's answer: `status` and the JSON error body {"error": error, "status": status}. */
async function refused(method: string, path: string, body: string | undefined, status: number, error: string): Promise<void> {
  const res = await call(method, path, body);
  assert.deepEqual({ status: res.status, body: res.json }, { status, body: { error, status } }, `${method} ${path} ${body}`);
}

const bad = (text: string): string => `bad request body: ${text}`;
const proxyBody = (fields: Record<string, unknown>): string => JSON.stringify({ listen: '127.0.0.1:0', upstream, ...fields });

async function holdPort(): Promise<{ port: number; release(): Promise<void> }> {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  return {
    port: (holder.address() as net.AddressInfo).port,
    release: () => new Promise<void>((resolve) => holder.close(() => resolve())),
  };
}

async function removeProxy(name: string): Promise<void> {
  assert.equal((await call('DELETE', `/proxies/${encodeURIComponent(name)}`)).status, 204);
}

describe('the body is read as Go json.Decoder reads it', () => {
  test('empty, truncated and malformed bodies give Go decoder texts', async () => {
    await refused('POST', '/proxies', '', 400, bad('EOF'));
    await refused('POST', '/proxies', '  \n', 400, bad('EOF'));
    await refused('POST', '/proxies', '{"name":', 400, bad('unexpected EOF'));
    await refused('POST', '/proxies', '{"name": x}', 400, bad("invalid character 'x' looking for beginning of value"));
    await refused('POST', '/proxies', '{"name" "x"}', 400, bad(`invalid character '"' after object key`));
    await refused('POST', '/proxies', '{"name":"x" "upstream":"y"}', 400, bad(`invalid character '"' after object key:value pair`));
    await refused('POST', '/proxies', '{"name":"x",}', 400, bad("invalid character '}' looking for beginning of object key string"));
    await refused('POST', '/proxies', '{"name":"a\tb"}', 400, bad("invalid character '\\t' in string literal"));
    await refused('POST', '/proxies', '{"name":"\\q"}', 400, bad("invalid character 'q' in string escape code"));
    await refused('POST', '/proxies', '{"name":"\\u12g4"}', 400, bad("invalid character 'g' in \\u hexadecimal character escape"));
    await refused('POST', '/proxies', '{"enabled":tru}', 400, bad("invalid character '}' in literal true (expecting 'e')"));
    await refused('POST', '/proxies', '{"name":-}', 400, bad("invalid character '}' in numeric literal"));
    await refused('POST', '/proxies', '{"name":1.}', 400, bad("invalid character '}' after decimal point in numeric literal"));
    await refused('POST', '/proxies', '{"name":1e}', 400, bad("invalid character '}' in exponent of numeric literal"));
    await refused('POST', '/proxies', '[1 2]', 400, bad("invalid character '2' after array element"));
    await refused('POST', '/proxies', '\u00ff', 400, bad("invalid character 'Ã' looking for beginning of value"));
    await refused('POST', '/proxies/x/toxics', undefined, 404, 'proxy not found');
  });

  test('nesting deeper than 10000 is refused as Go does', async () => {
    const res = await call('POST', '/populate', '['.repeat(10_001));
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: bad("invalid character '[' exceeded max depth"), status: 400, proxies: null });
  });

  test('only the first JSON value counts: trailing bytes are ignored', async () => {
    const res = await call('POST', '/proxies', `${proxyBody({ name: 'trailing' })} this is ignored {`);
    assert.equal(res.status, 201);
    await removeProxy('trailing');
  });

  test('keys match case-insensitively (Go folding), a later duplicate wins, unknown keys are ignored', async () => {
    const res = await call('POST', '/proxies', JSON.stringify({ NAME: 'first', Name: 'folded', UpStream: upstream, Listen: '127.0.0.1:0', extra: [1] }));
    assert.equal(res.status, 201);
    assert.equal(res.json?.name, 'folded');
    await removeProxy('folded');
    const longS = await call('POST', '/proxies', `{"name":"long-s","up\u017ftream":"${upstream}","listen":"127.0.0.1:0"}`);
    assert.equal(longS.status, 201, 'U+017F folds to S as in Go');
    await removeProxy('long-s');
  });
});

describe('POST /proxies', () => {
  test('values of the wrong type are Go type errors', async () => {
    await refused('POST', '/proxies', '{"name":5}', 400, bad('json: cannot unmarshal number into Go struct field Proxy.name of type string'));
    await refused('POST', '/proxies', '{"name":"a","upstream":"x","enabled":"yes"}', 400, bad('json: cannot unmarshal string into Go struct field Proxy.enabled of type bool'));
    await refused('POST', '/proxies', '{"listen":{}}', 400, bad('json: cannot unmarshal object into Go struct field Proxy.listen of type string'));
    await refused('POST', '/proxies', '{"logger":1}', 400, bad('json: cannot unmarshal number into Go struct field Proxy.Logger of type zerolog.Logger'));
    await refused('POST', '/proxies', '[1]', 400, bad('json: cannot unmarshal array into Go value of type toxiproxy.Proxy'));
    await refused('POST', '/proxies', '"x"', 400, bad('json: cannot unmarshal string into Go value of type toxiproxy.Proxy'));
  });

  test('missing name, then missing upstream; null is no value', async () => {
    await refused('POST', '/proxies', '{}', 400, 'missing required field: name');
    await refused('POST', '/proxies', 'null', 400, 'missing required field: name');
    await refused('POST', '/proxies', '{"name":"a","upstream":""}', 400, 'missing required field: upstream');
    await refused('POST', '/proxies', '{"name":null,"upstream":"x"}', 400, 'missing required field: name');
  });

  test('enabled null keeps the default (true); the upstream is never checked', async () => {
    const res = await call('POST', '/proxies', proxyBody({ name: 'nullable', enabled: null, upstream: 'not an address' }));
    assert.equal(res.status, 201);
    assert.equal(res.json?.enabled, true);
    assert.equal(res.json?.upstream, 'not an address');
    const client = await connect(Number(String(res.json?.listen).split(':')[1]));
    await waitForClose(client, 3000); // as Go, a connection whose upstream cannot be dialed is closed
    await removeProxy('nullable');
  });

  test('a name in use is 409 before the listen address is looked at', async () => {
    assert.equal((await call('POST', '/proxies', proxyBody({ name: 'taken' }))).status, 201);
    await refused('POST', '/proxies', JSON.stringify({ name: 'taken', listen: 'garbage', upstream }), 409, 'proxy already exists');
    await removeProxy('taken');
  });

  test('a listen address Go cannot use is 500 with net.Listen text; a disabled proxy keeps it', async () => {
    await refused('POST', '/proxies', proxyBody({ name: 'l1', listen: 'nowhere' }), 500, 'listen tcp: address nowhere: missing port in address');
    await refused('POST', '/proxies', proxyBody({ name: 'l2', listen: '127.0.0.1:99999' }), 500, 'listen tcp: address 99999: invalid port');
    await refused('POST', '/proxies', proxyBody({ name: 'l3', listen: 'a:b:c' }), 500, 'listen tcp: address a:b:c: too many colons in address');
    await refused('POST', '/proxies', proxyBody({ name: 'l4', listen: '127.0.0.1:http' }), 500, 'listen tcp: lookup tcp/http: unknown port');
    const held = await holdPort();
    try {
      await refused('POST', '/proxies', proxyBody({ name: 'l5', listen: `127.0.0.1:${held.port}` }), 500, `listen tcp 127.0.0.1:${held.port}: bind: address already in use`);
    } finally {
      await held.release();
    }
    const disabled = await call('POST', '/proxies', proxyBody({ name: 'l6', listen: 'nowhere', enabled: false }));
    assert.equal(disabled.status, 201);
    assert.equal(disabled.json?.listen, 'nowhere');
    await refused('PATCH', '/proxies/l6', '{"enabled":true}', 500, 'address nowhere: missing port in address');
    await removeProxy('l6');
  });
});

describe('POST /proxies/{name} (update)', () => {
  test('update bodies: Go type errors, EOF, unresolvable listen 500, unknown keys ignored', async () => {
    assert.equal((await call('POST', '/proxies', proxyBody({ name: 'upd' }))).status, 201);
    await refused('PATCH', '/proxies/upd', '', 400, bad('EOF'));
    await refused('PATCH', '/proxies/upd', '{"enabled":1}', 400, bad('json: cannot unmarshal number into Go struct field Proxy.enabled of type bool'));
    await refused('POST', '/proxies/upd', '{"listen":"nowhere"}', 500, 'address nowhere: missing port in address');
    const ok = await call('PATCH', '/proxies/upd', '{"whatever":1,"name":"ignored"}');
    assert.equal(ok.status, 200);
    assert.equal(ok.json?.name, 'upd');
    await refused('PATCH', '/proxies/nope', '{}', 404, 'proxy not found');
    await removeProxy('upd');
  });
});

describe('POST /populate', () => {
  const entryType = 'struct { toxiproxy.Proxy; Enabled *bool "json:\\"enabled\\"" }';
  const populateRefused = async (body: string, status: number, error: string): Promise<void> => {
    const res = await call('POST', '/populate', body);
    assert.deepEqual({ status: res.status, body: res.json }, { status, body: { error, status, proxies: null } }, body);
  };

  test('refusals carry "proxies": null, with Go texts', async () => {
    await populateRefused('{}', 400, bad(`json: cannot unmarshal object into Go value of type []${entryType}`));
    await populateRefused('[5]', 400, bad(`json: cannot unmarshal number into Go value of type ${entryType}`));
    await populateRefused('[{"name":5}]', 400, bad('json: cannot unmarshal number into Go struct field .name of type string'));
    await populateRefused('[{"name":"a","upstream":"b","enabled":"no"}]', 400, bad('json: cannot unmarshal string into Go struct field .enabled of type bool'));
    await populateRefused('', 400, bad('EOF'));
    await populateRefused(`[{"name":"a","upstream":"x"},{"upstream":"y"}]`, 400, 'missing required field: name at proxy 2');
    await populateRefused(`[{"name":"a"}]`, 400, 'missing required field: upstream at proxy 1');
    await populateRefused(JSON.stringify([{ name: 'p-bad', listen: 'nowhere', upstream }]), 500, 'listen tcp: address nowhere: missing port in address');
    assert.equal((await call('GET', '/proxies/a')).status, 404);
  });

  test('an empty list is 201 with "proxies": null, as Go encodes an empty slice', async () => {
    for (const body of ['[]', 'null']) {
      const res = await call('POST', '/populate', body);
      assert.equal(res.status, 201);
      assert.equal(res.text, '{"proxies":null}');
    }
  });
});

describe('POST /proxies/{name}/toxics', () => {
  const path = '/proxies/tox/toxics';
  before(async () => {
    assert.equal((await call('POST', '/proxies', proxyBody({ name: 'tox' }))).status, 201);
  });
  after(() => removeProxy('tox'));
  const add = async (body: unknown): Promise<Answer> => call('POST', path, typeof body === 'string' ? body : JSON.stringify(body));
  const drop = async (name: string): Promise<void> => {
    assert.equal((await call('DELETE', `${path}/${encodeURIComponent(name)}`)).status, 204);
  };

  test('a missing or unknown type is "invalid toxic type"; noop is a type', async () => {
    await refused('POST', path, '{}', 400, 'invalid toxic type');
    await refused('POST', path, '{"type":"gremlins"}', 400, 'invalid toxic type');
    await refused('POST', path, 'null', 400, 'invalid toxic type');
    const noop = await add({ type: 'noop' });
    assert.equal(noop.status, 200);
    assert.deepEqual(noop.json, { attributes: {}, name: 'noop_downstream', type: 'noop', stream: 'downstream', toxicity: 1 });
    assert.deepEqual(Object.keys(noop.json ?? {}), ['attributes', 'name', 'type', 'stream', 'toxicity'], "Go's field order");
    await drop('noop_downstream');
  });

  test('stream: either direction in any case, kept as written; anything else is refused', async () => {
    const res = await add({ type: 'latency', stream: 'UpStream' });
    assert.equal(res.status, 200);
    assert.equal(res.json?.stream, 'UpStream');
    assert.equal(res.json?.name, 'latency_UpStream');
    const listed = (await call('GET', path)).json as unknown as { name: string }[];
    assert.deepEqual(listed.map((t) => t.name), ['latency_UpStream']);
    await drop('latency_UpStream');
    const invalid = 'stream was invalid, can be either upstream or downstream';
    await refused('POST', path, '{"type":"latency","stream":"sideways"}', 400, invalid);
    await refused('POST', path, '{"type":"latency","stream":""}', 400, invalid);
    await refused('POST', path, '{"type":"gremlins","stream":"sideways"}', 400, invalid);
  });

  test('any int64 attribute, unknown keys and any float32 toxicity are accepted and echoed', async () => {
    const cases: [Record<string, unknown>, Record<string, number>, number][] = [
      [{ type: 'latency', attributes: { latency: -1, jitter: 3_600_001, latncy: 5 } }, { latency: -1, jitter: 3_600_001 }, 1],
      [{ type: 'latency', toxicity: 1.5, attributes: { LATENCY: 7 } }, { latency: 7, jitter: 0 }, 1.5],
      [{ type: 'latency', toxicity: -0.1, attributes: null }, { latency: 0, jitter: 0 }, -0.1],
      [{ type: 'bandwidth', attributes: { rate: -5 } }, { rate: -5 }, 1],
      [{ type: 'slicer', attributes: { average_size: 0, size_variation: 9 } }, { average_size: 0, size_variation: 9, delay: 0 }, 1],
      [{ type: 'timeout', attributes: { timeout: 9_007_199_254_740_991 } }, { timeout: 9_007_199_254_740_991 }, 1],
      [{ type: 'limit_data', attributes: { bytes: -1 } }, { bytes: -1 }, 1],
      [{ type: 'reset_peer', attributes: { timeout: null } }, { timeout: 0 }, 1],
      [{ type: 'slow_close', attributes: { delay: 1 }, Attributes: { delay: 2 } }, { delay: 2 }, 1],
      [{ type: 'latency', toxicity: 0.1 }, { latency: 0, jitter: 0 }, 0.1],
    ];
    for (const [body, attributes, toxicity] of cases) {
      const res = await add(body);
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(res.json?.attributes, attributes, JSON.stringify(body));
      assert.equal(res.json?.toxicity, toxicity, JSON.stringify(body));
      await drop(String(res.json?.name));
    }
    const merged = await add('{"type":"latency","attributes":{"latency":5},"attributes":{"jitter":2}}');
    assert.deepEqual(merged.json?.attributes, { latency: 5, jitter: 2 }, 'duplicate attributes objects merge, as in Go');
    await drop('latency_downstream');
    const afterNull = await add('{"type":"latency","attributes":{"latency":5},"attributes":null,"attributes":{"jitter":2}}');
    assert.equal(afterNull.status, 400, 'Go cannot decode into the emptied toxics.Toxic interface');
    assert.deepEqual(afterNull.json, { error: bad('json: cannot unmarshal object into Go struct field ToxicWrapper.attributes of type toxics.Toxic'), status: 400 });
  });

  test('wrong types are Go type errors naming the toxic struct and field', async () => {
    const typeError = (value: string, field: string, type: string): string => bad(`json: cannot unmarshal ${value} into Go struct field ${field} of type ${type}`);
    const cases: [string, string][] = [
      ['{"type":"latency","attributes":{"latency":"5"}}', typeError('string', 'LatencyToxic.attributes.latency', 'int64')],
      ['{"type":"latency","attributes":{"jitter":1.5}}', typeError('number 1.5', 'LatencyToxic.attributes.jitter', 'int64')],
      ['{"type":"latency","attributes":{"latency":1e3}}', typeError('number 1e3', 'LatencyToxic.attributes.latency', 'int64')],
      ['{"type":"latency","attributes":{"latency":9223372036854775808}}', typeError('number 9223372036854775808', 'LatencyToxic.attributes.latency', 'int64')],
      ['{"type":"bandwidth","attributes":{"rate":true}}', typeError('bool', 'BandwidthToxic.attributes.rate', 'int64')],
      ['{"type":"slicer","attributes":{"delay":[]}}', typeError('array', 'SlicerToxic.attributes.delay', 'int')],
      ['{"type":"reset_peer","attributes":{"timeout":{}}}', typeError('object', 'ResetToxic.attributes.timeout', 'int64')],
      ['{"type":"slow_close","attributes":{"delay":"x"}}', typeError('string', 'SlowCloseToxic.attributes.delay', 'int64')],
      ['{"type":"timeout","attributes":{"timeout":"x"}}', typeError('string', 'TimeoutToxic.attributes.timeout', 'int64')],
      ['{"type":"limit_data","attributes":{"bytes":"x"}}', typeError('string', 'LimitDataToxic.attributes.bytes', 'int64')],
      ['{"type":"latency","attributes":5}', typeError('number', 'ToxicWrapper.attributes', 'toxics.NoopToxic')],
      ['{"type":"latency","attributes":"x"}', typeError('string', 'ToxicWrapper.attributes', 'toxics.NoopToxic')],
      ['{"type":"latency","toxicity":"x"}', typeError('string', 'ToxicWrapper.toxicity', 'float32')],
      ['{"type":"latency","toxicity":1e39}', typeError('number 1e39', 'ToxicWrapper.toxicity', 'float32')],
      ['{"type":5}', typeError('number', 'ToxicWrapper.type', 'string')],
      ['{"type":"latency","name":false}', typeError('bool', 'ToxicWrapper.name', 'string')],
      ['{"type":"latency","stream":1}', typeError('number', 'ToxicWrapper.stream', 'string')],
      ['[]', bad('json: cannot unmarshal array into Go value of type toxics.ToxicWrapper')],
    ];
    for (const [body, error] of cases) await refused('POST', path, body, 400, error);
  });

  test('a name in use is 409 before the attributes are decoded', async () => {
    assert.equal((await add({ type: 'latency' })).status, 200);
    await refused('POST', path, '{"type":"latency","attributes":{"latency":"x"}}', 409, 'toxic already exists');
    await drop('latency_downstream');
  });
});

describe('POST /proxies/{name}/toxics/{toxic} (update)', () => {
  const updateType = 'struct { Attributes interface {} "json:\\"attributes\\""; Toxicity float32 "json:\\"toxicity\\"" }';
  test('update bodies: only attributes and toxicity change; Go texts for wrong types', async () => {
    assert.equal((await call('POST', '/proxies', proxyBody({ name: 'tupd' }))).status, 201);
    assert.equal((await call('POST', '/proxies/tupd/toxics', '{"type":"latency","attributes":{"latency":3}}')).status, 200);
    const path = '/proxies/tupd/toxics/latency_downstream';
    await refused('PATCH', path, '[]', 400, bad(`json: cannot unmarshal array into Go value of type ${updateType}`));
    await refused('PATCH', path, '{"toxicity":"x"}', 400, bad('json: cannot unmarshal string into Go struct field .toxicity of type float32'));
    await refused('PATCH', path, '{"attributes":5}', 400, bad('json: cannot unmarshal number into Go struct field .attributes of type toxics.LatencyToxic'));
    await refused('PATCH', path, '{"attributes":{"latency":"x"},"toxicity":"y"}', 400, bad('json: cannot unmarshal string into Go struct field LatencyToxic.attributes.latency of type int64'));
    await refused('PATCH', '/proxies/tupd/toxics/ghost', '[]', 404, 'toxic not found');
    const ok = await call('PATCH', path, '{"name":"renamed","type":"bandwidth","stream":"upstream","toxicity":2,"attributes":{"jitter":-4,"nope":1}}');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, { attributes: { latency: 3, jitter: -4 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 2 });
    const same = await call('POST', path, 'null');
    assert.equal(same.status, 200, 'null changes nothing');
    await removeProxy('tupd');
  });
});

describe('GET /version', () => {
  test('answers the bytes api.go writes', async () => {
    const res = await fetch(`${server.url}/version`);
    assert.equal(res.headers.get('content-type'), 'application/json;charset=utf-8');
    assert.match(await res.text(), /^\{"version": "[^"]+"\}\n$/);
  });
});

describe('toxic behaviour for values only Go accepts', () => {
  test('bandwidth rate 0 holds the data until the toxic goes (Go loops on empty slices)', async () => {
    const created = await call('POST', '/proxies', proxyBody({ name: 'bw0' }));
    assert.equal((await call('POST', '/proxies/bw0/toxics', '{"type":"bandwidth"}')).status, 200);
    const socket = await connect(Number(String(created.json?.listen).split(':')[1]));
    try {
      socket.write('held');
      await assert.rejects(readBytes(socket, 4, 300), 'nothing passes with rate 0');
      socket.pause(); // keep what comes next for the next read
      assert.equal((await call('DELETE', '/proxies/bw0/toxics/bandwidth_downstream')).status, 204);
      assert.equal((await readBytes(socket, 4, 2000)).toString(), 'held');
    } finally {
      socket.destroy();
    }
    await removeProxy('bw0');
  });

  test('slicer with Go zero values (average_size 0) still delivers every byte', async () => {
    const created = await call('POST', '/proxies', proxyBody({ name: 'sl0' }));
    assert.equal((await call('POST', '/proxies/sl0/toxics', '{"type":"slicer","attributes":{"average_size":-3,"size_variation":-1}}')).status, 200);
    const socket = await connect(Number(String(created.json?.listen).split(':')[1]));
    try {
      socket.write('sliced');
      assert.equal((await readBytes(socket, 6, 2000)).toString(), 'sliced');
    } finally {
      socket.destroy();
    }
    await removeProxy('sl0');
  });
});
