/**
 * Reads a request body (at most 1 MiB) without ever destroying the request or its socket:
 * on overflow it stops collecting (the rest is discarded as it arrives) and rejects with
 * 413; when the client goes away it rejects with ClientGoneError; `signal` cancels the read
 * with its reason (a framing error or timeout found by the HTTP parser). The JSON is decoded
 * when a handler asks for it, as Toxiproxy's Go decoder reads it (go-json.ts).
 */
import type { IncomingMessage } from 'node:http';
import { ToxiproxyApiError, badRequest } from './api-error.js';
import { GoJsonSyntaxError, decodeFirstValue, type JsonNode } from './go-json.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface RequestBody {
  /** The first JSON value of the body; 400 "bad request body: <Go's error>" when there is none. */
  node(): JsonNode;
}

/** The client closed or reset the connection before its request was complete. */
export class ClientGoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientGoneError';
  }
}

export function tooLarge(): ToxiproxyApiError {
  return new ToxiproxyApiError(`request body larger than ${MAX_BODY_BYTES} bytes`, 413);
}

export function readBody(req: IncomingMessage, signal: AbortSignal): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(tooLarge());
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    const finish = (error: Error | null): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      // Keep the request flowing with nobody listening: whatever else arrives is dropped.
      req.on('error', () => {});
      req.resume();
      if (error) reject(error);
      else resolve(jsonBody(Buffer.concat(parts)));
    };
    const onData = (part: Buffer): void => {
      size += part.length;
      if (size > MAX_BODY_BYTES) finish(tooLarge());
      else parts.push(part);
    };
    const onEnd = (): void => finish(null);
    const onGone = (): void => finish(new ClientGoneError(`client went away after ${size} bytes of the body`));
    const onClose = (): void => {
      if (!req.complete) onGone();
    };
    const onAbort = (): void => finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) {
      onAbort();
      return;
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onGone);
    req.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Go's encoding/json turns an escaped lone surrogate into U+FFFD (test helpers use this). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

function jsonBody(bytes: Buffer): RequestBody {
  return {
    node() {
      try {
        return decodeFirstValue(bytes);
      } catch (error) {
        if (error instanceof GoJsonSyntaxError) throw badRequest(error.message);
        throw error;
      }
    },
  };
}
