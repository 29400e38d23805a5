/** One GET through undici's dispatcher API (no stream objects), and what a failed one means. */
import { performance } from 'node:perf_hooks';
import { errors as undiciErrors, type Dispatcher } from 'undici';
import type { RequestFailure } from './job-source.js';

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

/** It says when the request is written to a socket (onRequestStart), after any wait for a free connection. */
export function dispatchGet(client: Dispatcher, path: string, cookie: string): Promise<Answer> {
  return dispatchRequest(client, { method: 'GET', path }, cookie);
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
