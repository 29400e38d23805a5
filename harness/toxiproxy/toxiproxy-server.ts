/**
 * The project's own Toxiproxy-compatible server (plain node:http + node:net): the HTTP
 * API of Toxiproxy 2.x on `port` (8474 by default, 0 = a free port) and one TCP listener
 * per enabled proxy. `close()` stops the API, every proxy listener and every connection.
 * Hostile input never kills it: every request answers once (JSON error body included),
 * and a connection whose request body was not read answers `Connection: close` and closes
 * with a lingering close (see api-connections.ts, lingering-close.ts).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ToxiproxyApiError } from './api-error.js';
import { writeAnswer, type ApiResponse } from './api-answer.js';
import { ApiConnections, type Exchange } from './api-connections.js';
import { createRoutes, route } from './api-routes.js';
import { lingerInsteadOfDestroySoon, lingeringClose } from './lingering-close.js';
import { ProxyCollection } from './proxy-collection.js';
import { ClientGoneError, readBody } from './read-body.js';
import { requestPath } from './request-target.js';

export interface ToxiproxyServerOptions {
  host?: string;
  port?: number;
  /** One line per API call and per connection event. */
  log?: (line: string) => void;
  /** Log connection events too (default true; the harness opens thousands). */
  logConnections?: boolean;
  /**
   * Let proxies listen beyond loopback: 0.0.0.0, [::], "0" or any non-loopback address
   * (default false; the API's own specific `host` address is always allowed).
   */
  allowNonLoopback?: boolean;
  /** A request must be complete (headers and body) within this (default 15000 ms). */
  requestTimeoutMs?: number;
}

export interface ToxiproxyServer {
  /** e.g. "http://127.0.0.1:8474" */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const LINGER = { graceMs: 1000 };

export async function startToxiproxyServer(options: ToxiproxyServerOptions = {}): Promise<ToxiproxyServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8474;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const requestTimeout = options.requestTimeoutMs ?? 15_000;
  const log = options.log ?? (() => {});
  const proxies = new ProxyCollection(log, options.logConnections ?? true, {
    allowNonLoopback: options.allowNonLoopback ?? false,
    apiHost: host,
  });
  const routes = createRoutes(proxies);
  const connections = new ApiConnections(log, LINGER);
  // Mutating calls run one at a time (listener starts/stops are asynchronous).
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  const handle = async (req: http.IncomingMessage, exchange: Exchange, expectation: boolean): Promise<ApiResponse> => {
    const ua = req.headers['user-agent'] ?? '';
    if (ua.startsWith('Mozilla/')) throw new ToxiproxyApiError('User agent not allowed', 403);
    if (req.headers.host === undefined && req.httpVersion === '1.1') {
      exchange.closeAfter = true; // as Go's net/http: answer, then close
      throw new ToxiproxyApiError('missing required Host header', 400);
    }
    if (expectation) throw new ToxiproxyApiError(`expectation failed: ${String(req.headers.expect)}`, 417);
    const { handler, params } = route(routes, req.method ?? 'GET', requestPath(req.url));
    const body = await readBody(req, exchange.abort.signal); // outside the queue: a slow client blocks nobody
    exchange.bodyDone = true;
    return serialized(() => handler(body, params));
  };

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse, expectation = false): void => {
    const started = performance.now();
    const socket = req.socket as Socket; // kept: req.socket is cleared once the answer is sent
    const exchange = connections.begin(socket, res);
    const target = String(req.url).slice(0, 200);
    handle(req, exchange, expectation)
      .then(
        (answer) => answer,
        (error: unknown): ApiResponse | null => {
          if (error instanceof ClientGoneError) return null;
          const apiError =
            error instanceof ToxiproxyApiError
              ? error
              : new ToxiproxyApiError(error instanceof Error ? error.message : String(error), 500);
          return { status: apiError.status, body: apiError.toJSON() };
        },
      )
      .then((answer) => {
        const ms = (performance.now() - started).toFixed(1);
        if (answer === null || socket.destroyed) {
          connections.end(socket, exchange);
          log(`api ${req.method} ${target} aborted by client ${ms}ms`);
          return;
        }
        // An unread or partly read body must not be parsed as the next request.
        const close = !req.complete || exchange.closeAfter;
        if (close) lingerInsteadOfDestroySoon(socket, LINGER);
        res.once('finish', () => {
          connections.end(socket, exchange);
          if (close || exchange.closeAfter) lingeringClose(socket, LINGER);
        });
        writeAnswer(res, answer, close);
        const detail = answer.status >= 400 ? ` ${(answer.body as { error?: string }).error ?? ''}` : '';
        log(`api ${req.method} ${target} ${answer.status} ${ms}ms${detail}`);
      })
      .catch((error: unknown) => {
        log(`api ${req.method} ${target} could not answer: ${(error as Error).message}`);
        socket.destroy();
      });
  };

  const server = http.createServer(
    {
      requireHostHeader: false, // answered by handle() with the JSON error body
      requestTimeout,
      headersTimeout: Math.min(10_000, requestTimeout),
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(requestTimeout / 4))),
    },
    onRequest,
  );
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => onRequest(req, res, true));
  server.on('clientError', connections.onClientError);
  server.on('connect', connections.onConnect);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log(`api server error: ${error.message}`));
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
