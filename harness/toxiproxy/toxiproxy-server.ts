/**
 * The project's own Toxiproxy-compatible server (plain node:http + node:net): the HTTP
 * API of Toxiproxy 2.x on `port` (8474 by default, 0 = a free port) and one TCP listener
 * per enabled proxy. `close()` stops the API, every proxy listener and every connection.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ToxiproxyApiError } from './api-error.js';
import { createRoutes, route, type ApiResponse } from './api-routes.js';
import { ProxyCollection } from './proxy-collection.js';
import { readBody } from './read-body.js';

export interface ToxiproxyServerOptions {
  host?: string;
  port?: number;
  /** One line per API call and per connection event. */
  log?: (line: string) => void;
  /** Log connection events too (default true; the harness opens thousands). */
  logConnections?: boolean;
}

export interface ToxiproxyServer {
  /** e.g. "http://127.0.0.1:8474" */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8474;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const log = options.log ?? (() => {});
  const proxies = new ProxyCollection(log, options.logConnections ?? true);
  const routes = createRoutes(proxies);
  // Mutating calls run one at a time (listener starts/stops are asynchronous).
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const handle = async (req: http.IncomingMessage): Promise<ApiResponse> => {
    const ua = req.headers['user-agent'] ?? '';
    if (ua.startsWith('Mozilla/')) throw new ToxiproxyApiError('User agent not allowed', 403);
    const pathname = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/+$/, '') || '/';
    const { handler, params } = route(routes, req.method ?? 'GET', pathname);
    const body = await readBody(req); // outside the queue: a slow client blocks nobody
    return serialized(() => handler(body, params));
  };

  const server = http.createServer((req, res) => {
    const started = performance.now();
    handle(req)
      .catch((error: unknown): ApiResponse => {
        const apiError =
          error instanceof ToxiproxyApiError
            ? error
            : new ToxiproxyApiError(error instanceof Error ? error.message : String(error), 500);
        return { status: apiError.status, body: apiError.toJSON() };
      })
      .then((answer) => {
        send(res, answer);
        const ms = (performance.now() - started).toFixed(1);
        const detail = answer.status >= 400 ? ` ${(answer.body as { error?: string }).error ?? ''}` : '';
        log(`api ${req.method} ${req.url} ${answer.status} ${ms}ms${detail}`);
        // An unread or oversized body must not be parsed as the next request.
        if (!req.complete) res.once('finish', () => req.socket.destroy());
      });
  });
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  log(`api listening on ${url}`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await serialized(() => proxies.closeAll());
      await closed;
    })();
    return closing;
  };
  return { url, port: actual, close, [Symbol.asyncDispose]: close };
}

function send(res: http.ServerResponse, answer: ApiResponse): void {
  if (answer.text !== undefined) {
    res.writeHead(answer.status, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(answer.text);
    return;
  }
  if (answer.body === undefined) {
    res.writeHead(answer.status);
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
