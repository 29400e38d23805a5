/** One GET through undici's dispatcher API (no stream objects), and what a failed one means. */
import { performance } from 'node:perf_hooks';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { RequestFailure } from './job-source.js';
import { cookieHeader, storeSetCookies } from './cookie-jar.js';

/** The errno behind a failed request (EADDRNOTAVAIL, EMFILE, ECONNREFUSED, ...), when there is one. */
export function errnoOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.cause?.code === 'string' ? e.cause.code : e.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

export function failureOf(error: unknown): RequestFailure {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timeout';
  return 'connection';
}

export interface Answer {
  status: number;
  body: string;
  setCookie: string | string[] | undefined;
  /** The Location header of a redirect (journeys follow it). */
  location?: string | undefined;
  /** The node that answered, when it says so (X-PSL-Node: your app's nodes add it). */
  node?: string | undefined;
  /** When undici wrote the request to a socket (null if it never did). */
  sentAt: number | null;
}

/** What a journey step sends beyond a GET of a path (workload mode 'journey'). */
export interface OutgoingRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A plain GET (the visit path: every request of the built-in app's workloads), kept lean: on a
 * 2-core machine every CPU microsecond spent here is taken from PHP. It uses undici's
 * handler callbacks with raw headers (onConnect/onHeaders/onData/onComplete) instead of the
 * controller API, which would build an object of every response header and trailer for
 * each answer: only Set-Cookie, Location and X-PSL-Node are read, straight from the raw
 * header buffers. Same answer as `dispatchRequest` with a GET (`sentAt` at onConnect, which
 * is when undici calls onRequestStart); no Cookie header when the jar is empty. Not
 * `blocking`: with one request per connection (pipelining 1) there is nothing to hold back
 * until the headers are in, and undici then skips a pass of its queue for every answer.
 */
export function dispatchGet(client: Dispatcher, path: string, cookie: string): Promise<Answer> {
  return new Promise((resolve, reject) => leanGet(client, path, cookie, new GetHandler(resolve, reject, null)));
}

/** A user's plain visit: `dispatchGet` with the jar's cookies, its Set-Cookie kept in the jar before the answer is handed on. */
export function dispatchVisit(client: Dispatcher, path: string, jar: Map<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => sendVisit(client, path, jar, resolve, reject));
}

/**
 * `dispatchVisit` with callbacks instead of a promise (the closed model's loop: no promise per
 * request). Exactly one of them is called, possibly before this returns (a request undici
 * refuses at once).
 */
export function sendVisit(client: Dispatcher, path: string, jar: Map<string, string>, onAnswer: (answer: Answer) => void, onError: (error: unknown) => void): void {
  leanGet(client, path, cookieHeader(jar), new GetHandler(onAnswer, onError, jar));
}

function leanGet(client: Dispatcher, path: string, cookie: string, handler: GetHandler): void {
  client.dispatch({ path, method: 'GET', headers: cookie ? ['cookie', cookie] : null, blocking: false }, handler as Dispatcher.DispatchHandler);
}

/** Lowercase ASCII bytes of a header name, for comparing raw header buffers without decoding them. */
const SET_COOKIE = Buffer.from('set-cookie', 'latin1');
const LOCATION = Buffer.from('location', 'latin1');
const X_PSL_NODE = Buffer.from('x-psl-node', 'latin1');

/** `name` (raw, any case) equals `lower` (lowercase ASCII). */
function isHeader(name: Buffer, lower: Buffer): boolean {
  const n = lower.length;
  if (name.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = name[i]!;
    // 'A'..'Z' -> 'a'..'z'; other bytes compare as they are.
    if ((c >= 65 && c <= 90 ? c | 32 : c) !== lower[i]) return false;
  }
  return true;
}

/** One GET's callbacks (undici's raw-header handler API): one object per request, no closures. */
class GetHandler {
  private status = 0;
  private setCookie: string | string[] | undefined = undefined;
  private location: string | undefined = undefined;
  private node: string | undefined = undefined;
  private sentAt: number | null = null;
  private body: Buffer | null = null;
  private chunks: Buffer[] | null = null;

  constructor(
    private readonly resolve: (answer: Answer) => void,
    private readonly reject: (error: unknown) => void,
    /** The user's jar: Set-Cookie is kept in it when the answer is complete (PHP sends one only for a new session id). */
    private readonly jar: Map<string, string> | null,
  ) {}

  onConnect(): void {
    this.sentAt = performance.now();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // Called again after an informational (1xx) answer: the final answer's headers count, as in `dispatchRequest`.
    let setCookie: string | string[] | undefined;
    let location: string | undefined;
    let node: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      const len = name.length;
      if (len !== 10 && len !== 8) continue;
      if (len === 10 && isHeader(name, SET_COOKIE)) {
        // Repeated Set-Cookie lines become a list, as undici's header object has them.
        const value = rawHeaders[i + 1]!.toString('latin1');
        if (setCookie === undefined) setCookie = value;
        else if (Array.isArray(setCookie)) setCookie.push(value);
        else setCookie = [setCookie, value];
      } else if (len === 10 && node === undefined && isHeader(name, X_PSL_NODE)) {
        node = rawHeaders[i + 1]!.toString('latin1');
      } else if (len === 8 && location === undefined && isHeader(name, LOCATION)) {
        location = rawHeaders[i + 1]!.toString('latin1');
      }
    }
    this.status = statusCode;
    this.setCookie = setCookie;
    this.location = location;
    this.node = node;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.body === null) this.body = chunk;
    else (this.chunks ??= [this.body]).push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.jar !== null && this.setCookie !== undefined) storeSetCookies(this.jar, this.setCookie);
    const bytes = this.chunks ? Buffer.concat(this.chunks) : this.body;
    this.resolve({
      status: this.status,
      body: bytes ? bytes.toString('utf8') : '',
      setCookie: this.setCookie,
      location: this.location,
      node: this.node,
      sentAt: this.sentAt,
    });
  }

  onError(error: unknown): void {
    this.reject(error);
  }
}

export function dispatchRequest(client: Dispatcher, request: OutgoingRequest, cookie: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let setCookie: string | string[] | undefined;
    let location: string | undefined;
    let node: string | undefined;
    let sentAt: number | null = null;
    const chunks: Buffer[] = [];
    const headers = request.headers ? { ...request.headers, ...(cookie ? { cookie } : {}) } : { cookie };
    client.dispatch(
      { path: request.path, method: request.method as Dispatcher.HttpMethod, headers, ...(request.body !== undefined ? { body: request.body } : {}) },
      {
        onRequestStart() {
          sentAt = performance.now();
        },
        onResponseStart(_controller, statusCode, responseHeaders) {
          status = statusCode;
          setCookie = responseHeaders['set-cookie'];
          const where = responseHeaders['location'];
          location = Array.isArray(where) ? where[0] : where;
          const from = responseHeaders['x-psl-node'];
          node = Array.isArray(from) ? from[0] : from;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, body: Buffer.concat(chunks).toString('utf8'), setCookie, location, node, sentAt });
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });
}
