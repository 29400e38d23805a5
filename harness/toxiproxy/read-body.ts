/** Reads a request body (at most 1 MiB); JSON is parsed when a handler asks for it. */
import type { IncomingMessage } from 'node:http';
import { ToxiproxyApiError, badRequest } from './api-error.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface RequestBody {
  /** The parsed JSON body; 400 when empty or malformed. */
  json(): unknown;
}

export async function readBody(req: IncomingMessage): Promise<RequestBody> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    parts.push(part);
  }
  const text = Buffer.concat(parts).toString('utf8');
  return {
    json() {
      if (text.trim() === '') throw badRequest('EOF (empty body; send JSON)');
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw badRequest(`invalid JSON: ${(error as Error).message}`);
      }
    },
  };
}

function tooLarge(): ToxiproxyApiError {
  return new ToxiproxyApiError(`request body larger than ${MAX_BODY_BYTES} bytes`, 413);
}
