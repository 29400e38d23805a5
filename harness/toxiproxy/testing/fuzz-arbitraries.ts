/**
 * fast-check arbitraries for fuzzing the embedded Toxiproxy API: names (dot segments,
 * slashes, lone surrogates, unicode), listen/upstream addresses (loopback, wildcards,
 * self loops, garbage), proxy/toxic/populate bodies, API paths, and raw HTTP requests with
 * good and bad framing. `ctx` supplies the test's echo server and a free port.
 */
import fc from 'fast-check';
import { wellFormed } from '../read-body.js';

export interface FuzzContext {
  /** "127.0.0.1:PORT" of an echo server. */
  upstream: string;
  /** A port nothing listens on (for self-loop and explicit listen cases). */
  freePort: number;
}

export const POOL = ['p1', 'p2', 'p3'];

export const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...POOL) },
  {
    weight: 3,
    arbitrary: fc.constantFrom('.', '..', '', '/', 'a/b', '%2e', '%2F', '\ud800', 'x\udfffy', 'é', '名前', ' ', '?#', 'toxics', 'a'.repeat(201)),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 3 }) },
);

/** Percent-encodes a name as a client would (lone surrogates first become U+FFFD). */
export const encodeName = (name: string): string => encodeURIComponent(wellFormed(name));

export function listenArb(ctx: FuzzContext): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant('127.0.0.1:0') },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        'localhost:0', ':0', '[::1]:0', '127.0.0.2:0', '0.0.0.0:0', '[::]:0', '0:0', '10.9.9.9:0', 'example.invalid:0',
        'nowhere', '127.0.0.1:99999', `127.0.0.1:${ctx.freePort}`, 42, null,
      ),
    },
  );
}

export function upstreamArb(ctx: FuzzContext): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(ctx.upstream) },
    { weight: 3, arbitrary: fc.constantFrom('127.0.0.1:1', `127.0.0.1:${ctx.freePort}`, `localhost:${ctx.freePort}`, 'x', '', ':80', 7) },
  );
}

export function proxyBodyArb(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      name: nameArb,
      listen: listenArb(ctx),
      upstream: upstreamArb(ctx),
      enabled: fc.oneof({ weight: 5, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom('yes', null, 1) }),
    },
    { requiredKeys: [] },
  );
}

const attributeArb = fc.dictionary(
  fc.constantFrom('latency', 'jitter', 'rate', 'delay', 'timeout', 'bytes', 'average_size', 'size_variation', 'nope'),
  fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double(), fc.string({ maxLength: 3 }), fc.constant(null)),
  { maxKeys: 3 },
);

export const toxicBodyArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    name: nameArb,
    type: fc.constantFrom('latency', 'bandwidth', 'slicer', 'timeout', 'limit_data', 'slow_close', 'reset_peer', 'gremlin', ''),
    stream: fc.constantFrom('upstream', 'downstream', 'sideways'),
    toxicity: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(2, -1, 'x')),
    attributes: fc.oneof(attributeArb, fc.constantFrom(null, [], 'x')),
  },
  { requiredKeys: [] },
);

export function bodyArb(ctx: FuzzContext): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: proxyBodyArb(ctx).map((b) => JSON.stringify(b)) },
    { weight: 3, arbitrary: toxicBodyArb.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.array(proxyBodyArb(ctx), { maxLength: 4 }).map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  );
}

export const pathArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/version', '/metrics', '/reset', '/populate', '/proxies', '/proxies/', '/', '/nothing', '//proxies', '/proxies?x=1',
      '/proxies/%E0%A4%A', '/proxies/%zz', '/proxies/..', '/proxies/%2e', '/proxies/a/../p1', '/proxies/p1/toxics/',
    ),
  },
  { weight: 4, arbitrary: nameArb.map((n) => `/proxies/${encodeName(n)}`) },
  { weight: 3, arbitrary: nameArb.map((n) => `/proxies/${encodeName(n)}/toxics`) },
  { weight: 3, arbitrary: fc.tuple(nameArb, nameArb).map(([p, t]) => `/proxies/${encodeName(p)}/toxics/${encodeName(t)}`) },
);

export const methodArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL') },
  // Not "PRI": Node's parser drops an HTTP/2 preface without an answer (left alone).
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z]{1,8}$/).filter((m) => m !== 'PRI') },
);

export interface ApiRequest {
  method: string;
  path: string;
  body: string | undefined;
  browser: boolean;
}

/** A toxic body Toxiproxy accepts: a known type with default attributes. */
const validToxicBodyArb = fc.record({
  type: fc.constantFrom('latency', 'bandwidth', 'slicer', 'timeout', 'limit_data', 'slow_close', 'reset_peer'),
  stream: fc.constantFrom('upstream', 'downstream'),
  toxicity: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** All keys present, values still drawn from the hostile generators (often valid). */
function fullProxyBodyArb(ctx: FuzzContext): fc.Arbitrary<Record<string, unknown>> {
  return fc.record({ name: nameArb, listen: listenArb(ctx), upstream: upstreamArb(ctx), enabled: fc.boolean() });
}

const poolNameArb = fc.constantFrom(...POOL);

/** Requests that often succeed: creates, populates, toxics on pooled proxies, updates, resets. */
function likelyValidArb(ctx: FuzzContext): fc.Arbitrary<Omit<ApiRequest, 'browser'>> {
  const plainCreate = fc.tuple(poolNameArb, fc.boolean()).map(([name, enabled]) => ({
    method: 'POST',
    path: '/proxies',
    body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream: ctx.upstream, enabled }),
  }));
  const selfLoop = fc.tuple(poolNameArb, fc.constantFrom('127.0.0.1', 'localhost')).map(([name, host]) => ({
    method: 'POST',
    path: '/proxies',
    body: JSON.stringify({ name, listen: `127.0.0.1:${ctx.freePort}`, upstream: `${host}:${ctx.freePort}` }),
  }));
  // Valid entries first, then one that fails only when started: populate must undo the rest.
  const failingPopulate = fc.tuple(fc.array(plainCreate, { minLength: 1, maxLength: 2 }), selfLoop).map(([ok, bad]) => ({
    method: 'POST',
    path: '/populate',
    body: `[${[...ok, bad].map((r) => r.body).join(',')}]`,
  }));
  return fc.oneof(
    { weight: 3, arbitrary: plainCreate },
    { weight: 1, arbitrary: selfLoop },
    { weight: 1, arbitrary: failingPopulate },
    { weight: 4, arbitrary: fullProxyBodyArb(ctx).map((b) => ({ method: 'POST', path: '/proxies', body: JSON.stringify(b) })) },
    {
      weight: 2,
      arbitrary: fc.array(fullProxyBodyArb(ctx), { minLength: 1, maxLength: 3 }).map((b) => ({ method: 'POST', path: '/populate', body: JSON.stringify(b) })),
    },
    fc.tuple(poolNameArb, fc.constantFrom('', '/toxics')).map(([p, tail]) => ({ method: 'GET', path: `/proxies/${p}${tail}`, body: undefined })),
    { weight: 2, arbitrary: fc.tuple(poolNameArb, fc.oneof(toxicBodyArb, validToxicBodyArb)).map(([p, t]) => ({ method: 'POST', path: `/proxies/${p}/toxics`, body: JSON.stringify(t) })) },
    fc.tuple(poolNameArb, fc.constantFrom('latency', 'bandwidth', 'slicer', 'timeout'), fc.constantFrom('upstream', 'downstream'), fc.constantFrom('GET', 'PATCH', 'DELETE'))
      .map(([p, type, stream, method]) => ({
        method,
        path: `/proxies/${p}/toxics/${type}_${stream}`,
        body: method === 'PATCH' ? JSON.stringify({ toxicity: 0.5 }) : undefined,
      })),
    fc.tuple(poolNameArb, fc.constantFrom('PATCH', 'POST'), proxyBodyArb(ctx)).map(([p, method, b]) => ({ method, path: `/proxies/${p}`, body: JSON.stringify(b) })),
    fc.constantFrom(...POOL.map((p) => ({ method: 'DELETE', path: `/proxies/${p}`, body: undefined }))),
    fc.constant({ method: 'POST', path: '/reset', body: undefined }),
  );
}

export function apiRequestArb(ctx: FuzzContext): fc.Arbitrary<ApiRequest> {
  const anything = fc.record({ method: methodArb, path: pathArb, body: bodyArb(ctx) });
  return fc.record({
    request: fc.oneof({ weight: 1, arbitrary: anything }, { weight: 1, arbitrary: likelyValidArb(ctx) }),
    browser: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  }).map(({ request, browser }) => ({ ...request, browser }));
}

// ---- raw HTTP -------------------------------------------------------------------------

export type Framing = 'none' | 'cl' | 'cl-short' | 'cl-long' | 'cl-bad' | 'cl-dup' | 'chunked' | 'chunked-bad' | 'chunked-cl' | 'chunked-truncated';
/** half-close: write all, then FIN; trickle: write in small pieces (still sending when the server answers). */
export type RawMode = 'half-close' | 'trickle' | 'pipeline' | 'abort' | 'keep-open';

export interface RawRequest {
  method: string;
  target: string;
  version: string;
  host: boolean;
  framing: Framing;
  body: Buffer;
  extra: string[];
  mode: RawMode;
  /** For 'abort': the fraction of the bytes written before the socket is destroyed. */
  cut: number;
}

const oversize = Buffer.alloc(1024 * 1024 + 100, 'a');

export function rawRequestArb(ctx: FuzzContext): fc.Arbitrary<RawRequest> {
  return fc.record({
    method: fc.oneof({ weight: 6, arbitrary: methodArb }, { weight: 1, arbitrary: fc.constantFrom('G ET', 'get', '', '\u00e9') }),
    target: fc.oneof(
      { weight: 4, arbitrary: pathArb },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          'http://x:99999/version', 'http://127.0.0.1/version', 'https://h/proxies', '*', 'version', 'http://[::1/x', '//x/version',
          '/proxies/%', '/\u00e9', '/a b', '/\u0001', 'ftp://x/version',
        ),
      },
    ),
    version: fc.oneof({ weight: 8, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', '') }),
    host: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    framing: fc.constantFrom<Framing>('none', 'cl', 'cl', 'cl-short', 'cl-long', 'cl-bad', 'cl-dup', 'chunked', 'chunked', 'chunked-bad', 'chunked-cl', 'chunked-truncated'),
    body: fc.oneof(
      { weight: 4, arbitrary: bodyArb(ctx).map((b) => Buffer.from(b ?? '')) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
      { weight: 2, arbitrary: fc.constant(oversize) },
    ),
    extra: fc.subarray(
      ['User-Agent: Mozilla/5.0', 'Expect: 100-continue', 'Expect: teapot', 'Connection: close', 'Connection: keep-alive', 'X-Bad\u0001: y', 'Transfer-Encoding: gzip', `X-Big: ${'a'.repeat(20_000)}`],
      { maxLength: 2 },
    ),
    mode: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom<RawMode>('half-close', 'pipeline') },
      { weight: 2, arbitrary: fc.constant<RawMode>('trickle') },
      { weight: 2, arbitrary: fc.constant<RawMode>('abort') },
      { weight: 1, arbitrary: fc.constant<RawMode>('keep-open') },
    ),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
  });
}

function chunked(body: Buffer, bad: boolean, truncated: boolean): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 64 * 1024) {
    const piece = body.subarray(at, at + 64 * 1024);
    parts.push(Buffer.from(`${bad ? 'zz' : piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  if (!truncated) parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Framings whose request never completes: a client that then closes gets no answer. */
export const incompleteFramings: ReadonlySet<Framing> = new Set(['cl-long', 'chunked-truncated']);

/** The request's bytes, and how many requests (answers at most) they may hold. */
export function rawBytes(r: RawRequest): { bytes: Buffer; requests: number } {
  const headers = [r.host ? 'Host: 127.0.0.1' : null, ...r.extra].filter((h): h is string => h !== null);
  let body = r.body;
  let extraRequests = 0;
  switch (r.framing) {
    case 'none':
      body = Buffer.alloc(0);
      break;
    case 'cl':
      headers.push(`Content-Length: ${body.length}`);
      break;
    case 'cl-short':
      headers.push(`Content-Length: ${Math.floor(body.length / 2)}`);
      extraRequests = 1; // the rest is parsed as another (bad) request
      break;
    case 'cl-long':
      headers.push(`Content-Length: ${body.length + 10}`);
      break;
    case 'cl-bad':
      headers.push('Content-Length: 12abc');
      break;
    case 'cl-dup':
      headers.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
      break;
    case 'chunked':
    case 'chunked-bad':
    case 'chunked-truncated':
      headers.push('Transfer-Encoding: chunked');
      body = chunked(body, r.framing === 'chunked-bad', r.framing === 'chunked-truncated');
      break;
    case 'chunked-cl':
      headers.push('Transfer-Encoding: chunked', `Content-Length: ${body.length}`);
      body = chunked(body, false, false);
      break;
  }
  const head = `${r.method} ${r.target} ${r.version}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
  const parts = [Buffer.from(head, 'latin1'), body];
  if (r.mode === 'pipeline') parts.push(Buffer.from('GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
  return { bytes: Buffer.concat(parts), requests: 1 + extraRequests + (r.mode === 'pipeline' ? 1 : 0) };
}
