/**
 * Raw HTTP/1.1 over one socket for the toxiproxy hostile-input tests: write any bytes
 * (bad framing, partial bodies, pipelined requests), read back every response until the
 * server closes, and tell a clean close (FIN) from a reset. Every wait has a deadline.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /**
   * How the connection ended: 'fin' (clean), 'reset' (ECONNRESET/EPIPE), 'timeout' (still
   * open at the deadline) or 'open' (still open when `stopWhen` was satisfied).
   */
  end: 'fin' | 'reset' | 'timeout' | 'open';
  /** Bytes received that do not parse as complete responses. */
  rest: string;
}

export type Writer = (socket: net.Socket) => void | Promise<void>;

export interface RawOptions {
  timeoutMs?: number;
  /** The first request is a HEAD: its answer has headers only. */
  head?: boolean;
  /** Stop reading (end 'open') as soon as this holds for the responses so far. */
  stopWhen?: (responses: RawResponse[]) => boolean;
}

/**
 * Connects, writes `request` (bytes, or a function that writes), then reads until the server
 * closes, `stopWhen` holds, or `timeoutMs` passes (the socket is then destroyed: 'timeout').
 */
export async function rawExchange(port: number, request: string | Buffer | Writer, options: number | RawOptions = {}): Promise<RawExchange> {
  const { timeoutMs = 3000, head = false, stopWhen } = typeof options === 'number' ? { timeoutMs: options } : options;
  // Half-open like a hostile uploader: keep writing after the server's FIN, close when done.
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true, allowHalfOpen: true });
  let writerDone: Promise<unknown> = Promise.resolve();
  socket.once('end', () => void writerDone.then(() => socket.end()));
  const chunks: Buffer[] = [];
  let resetSeen = false;
  let stopped = false;
  socket.on('data', (d: Buffer) => {
    chunks.push(d);
    if (stopWhen && !stopped && stopWhen(parseResponses(Buffer.concat(chunks), head).responses)) {
      stopped = true;
      socket.destroy();
    }
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resetSeen = true;
  });
  const closed = new Promise<RawExchange['end']>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(stopped ? 'open' : resetSeen ? 'reset' : 'fin');
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  writerDone = (async () => {
    if (typeof request === 'function') await request(socket);
    else socket.write(request);
  })().catch(() => {
    // the server may close while we write; what it answered is what counts
  });
  await writerDone;
  const end = await closed;
  const parsed = parseResponses(Buffer.concat(chunks), head);
  return { ...parsed, end };
}

/** Splits a byte stream into HTTP/1.1 responses (Content-Length, chunked or no body). */
export function parseResponses(data: Buffer, firstIsHead = false): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const lines = data.subarray(at, headEnd).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!match) break;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(match[1]);
    let bodyStart = headEnd + 4;
    let body: Buffer;
    const bodiless = firstIsHead && status >= 200 && responses.length === 0;
    if (bodiless || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
    } else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      let complete = false;
      for (;;) {
        const lineEnd = data.indexOf('\r\n', bodyStart);
        if (lineEnd < 0) break;
        const size = parseInt(data.subarray(bodyStart, lineEnd).toString('latin1'), 16);
        if (!Number.isFinite(size) || lineEnd + 2 + size + 2 > data.length) break;
        if (size === 0) {
          bodyStart = lineEnd + 4;
          complete = true;
          break;
        }
        parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
        bodyStart = lineEnd + 2 + size + 2;
      }
      if (!complete) break;
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (bodyStart + length > data.length) break;
      body = data.subarray(bodyStart, bodyStart + length);
      bodyStart += length;
    }
    if (status >= 200) responses.push({ status, headers, body: body.toString('utf8') });
    at = bodyStart;
  }
  return { responses, rest: data.subarray(at).toString('latin1') };
}

/** A request with a JSON body and a correct Content-Length. */
export function jsonRequest(method: string, path: string, body?: unknown, extraHeaders = ''): string {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const length = body === undefined ? '' : `Content-Length: ${Buffer.byteLength(text)}\r\n`;
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${length}${extraHeaders}\r\n${text}`;
}
