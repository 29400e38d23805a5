/**
 * What happens on an API connection outside the route handlers: the requests in flight per
 * socket, and answers to what the HTTP parser refuses (framing errors 400, header overflow
 * 431, timeouts 408, CONNECT 405), each once, as the JSON error body, then a lingering
 * close. A parser error while a request body is still being read cancels that read, so the
 * request itself answers the error; resets and aborts just close.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ToxiproxyApiError } from './api-error.js';
import { rawAnswer } from './api-answer.js';
import { ClientGoneError } from './read-body.js';
import { isLingering, lingeringClose, type LingerOptions } from './lingering-close.js';

export interface Exchange {
  readonly res: http.ServerResponse;
  /** Cancels the body read with a parser error or timeout. */
  readonly abort: AbortController;
  bodyDone: boolean;
  /** Set when the connection must close after this answer. */
  closeAfter: boolean;
}

const GONE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/** The API error a parser or timeout error stands for. */
export function clientErrorAnswer(error: NodeJS.ErrnoException): ToxiproxyApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ToxiproxyApiError('request header fields too large', 431);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new ToxiproxyApiError('chunk extensions too large', 413);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ToxiproxyApiError('request timeout: the request was not complete in time', 408);
    default:
      return new ToxiproxyApiError(`bad request: ${error.code ?? 'malformed HTTP'}: ${String((error as { reason?: unknown }).reason ?? error.message)}`, 400);
  }
}

export class ApiConnections {
  private readonly inFlight = new Map<Socket, Exchange[]>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly linger: LingerOptions,
  ) {}

  begin(socket: Socket, res: http.ServerResponse): Exchange {
    const exchange: Exchange = { res, abort: new AbortController(), bodyDone: false, closeAfter: false };
    let list = this.inFlight.get(socket);
    if (!list) {
      list = [];
      this.inFlight.set(socket, list);
      socket.once('close', () => {
        for (const e of this.inFlight.get(socket) ?? []) e.abort.abort(new Error('connection closed'));
        this.inFlight.delete(socket);
      });
    }
    list.push(exchange);
    return exchange;
  }

  end(socket: Socket, exchange: Exchange): void {
    const list = this.inFlight.get(socket);
    if (!list) return;
    const index = list.indexOf(exchange);
    if (index >= 0) list.splice(index, 1);
  }

  /** server.on('clientError'): Node wrote nothing yet; this answers once or closes. */
  readonly onClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
    const tcp = socket as Socket;
    const gone = GONE_CODES.has(error.code ?? '');
    // Garbage after we decided to close: the lingering close is draining it (not writable by now).
    if (isLingering(tcp) && !gone) return;
    if (gone || !socket.writable) {
      socket.destroy();
      return;
    }
    const current = this.inFlight.get(tcp)?.at(-1);
    if (error.code === 'HPE_INVALID_EOF_STATE') {
      // The client closed its side in the middle of a request: an abort, not a bad request.
      current?.abort.abort(new ClientGoneError('client closed the connection in the middle of its request'));
      socket.destroy();
      return;
    }
    const answer = clientErrorAnswer(error);
    if (current) {
      current.closeAfter = true;
      // The request being read answers the error itself; one already answering closes after.
      if (!current.bodyDone) current.abort.abort(answer);
      return;
    }
    this.log(`api - ${answer.status} ${answer.message}`);
    socket.write(rawAnswer({ status: answer.status, body: answer.toJSON() }));
    lingeringClose(tcp, this.linger);
  };

  /** server.on('connect'): CONNECT is no Toxiproxy route; answer 405 instead of dropping it. */
  readonly onConnect = (req: http.IncomingMessage, socket: Duplex): void => {
    const answer = new ToxiproxyApiError(`method CONNECT not allowed on ${String(req.url).slice(0, 200)}`, 405);
    this.log(`api CONNECT - 405`);
    socket.on('error', () => socket.destroy());
    socket.write(rawAnswer({ status: 405, body: answer.toJSON() }));
    lingeringClose(socket as Socket, this.linger);
  };
}
