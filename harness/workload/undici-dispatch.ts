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
  /** When undici wrote the request to a socket (null if it never did). */
  sentAt: number | null;
}

/** It says when the request is written to a socket (onRequestStart), after any wait for a free connection. */
export function dispatchGet(client: Dispatcher, path: string, cookie: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let setCookie: string | string[] | undefined;
    let sentAt: number | null = null;
    const chunks: Buffer[] = [];
    client.dispatch(
      { path, method: 'GET', headers: { cookie } },
      {
        onRequestStart() {
          sentAt = performance.now();
        },
        onResponseStart(_controller, statusCode, headers) {
          status = statusCode;
          setCookie = headers['set-cookie'];
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, body: Buffer.concat(chunks).toString('utf8'), setCookie, sentAt });
        },
        onResponseError(_controller, error) {
          reject(error);
        },
      },
    );
  });
}
