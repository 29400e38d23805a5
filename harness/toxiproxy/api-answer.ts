/**
 * Writing API answers: JSON (with Content-Length), Prometheus text or an empty body, and
 * `Connection: close` when the connection must not be reused (its request body was not
 * read). `rawAnswer` is the same answer as bytes, for sockets the HTTP parser gave up on.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';

export interface ApiResponse {
  status: number;
  /** JSON value, or a string sent as text/plain (metrics) or as `contentType`. */
  body?: unknown;
  text?: string;
  contentType?: string;
}

function encode(answer: ApiResponse): { headers: Record<string, string | number>; payload: string } {
  if (answer.text !== undefined) {
    return {
      headers: {
        'content-type': answer.contentType ?? 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(answer.text),
      },
      payload: answer.text,
    };
  }
  if (answer.body === undefined) return { headers: {}, payload: '' };
  const payload = JSON.stringify(answer.body);
  return { headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, payload };
}

export function writeAnswer(res: ServerResponse, answer: ApiResponse, close: boolean): void {
  const { headers, payload } = encode(answer);
  if (close) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(payload);
}

export function rawAnswer(answer: ApiResponse): Buffer {
  const { headers, payload } = encode(answer);
  const lines = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}`];
  for (const [name, value] of Object.entries({ ...headers, connection: 'close' })) lines.push(`${name}: ${value}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${payload}`);
}
