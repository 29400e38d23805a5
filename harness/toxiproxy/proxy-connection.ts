/**
 * A client connection and its upstream connection, joined by two links
 * (upstream = client -> server, downstream = server -> client). Half-closes are passed
 * on; an error on one side destroys the other (a reset is passed on as a reset).
 */
import net from 'node:net';
import { Link, type DirectionCounters } from './link.js';
import type { Stream, ToxicConfig } from './toxic-config.js';

export interface ConnectionOptions {
  client: net.Socket;
  upstreamHost: string;
  upstreamPort: number;
  toxics: readonly ToxicConfig[];
  counters: Record<Stream, DirectionCounters>;
  log: ((line: string) => void) | null;
  /** True when the connected upstream socket is this proxy's own listener (a loop). */
  isSelf?: (upstream: net.Socket) => boolean;
  onClosed: (conn: ProxyConnection) => void;
}

/** Unread data waits this long for a graceful close (limit_data, timeout) before destroy. */
const CLOSE_GRACE_MS = 2000;

export class ProxyConnection {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  private readonly links: Record<Stream, Link>;
  private closing = false;
  private openSockets = 2;
  private readonly label: string;

  constructor(private readonly options: ConnectionOptions) {
    const { client, upstreamHost, upstreamPort, toxics, counters } = options;
    this.client = client;
    this.label = `${client.remoteAddress}:${client.remotePort}`;
    client.setNoDelay(true);
    this.upstream = net.connect({ host: upstreamHost, port: upstreamPort, allowHalfOpen: true, noDelay: true });
    const close = (mode: 'fin' | 'reset'): void => this.close(mode);
    this.links = {
      upstream: new Link(client, this.upstream, counters.upstream, close, toxics.filter((t) => t.direction === 'upstream')),
      downstream: new Link(this.upstream, client, counters.downstream, close, toxics.filter((t) => t.direction === 'downstream')),
    };
    this.upstream.once('connect', () => {
      if (this.closing) return;
      if (options.isSelf?.(this.upstream)) {
        options.log?.(`${this.label} upstream ${upstreamHost}:${upstreamPort} is this proxy's own listener; closed`);
        this.close('destroy');
        return;
      }
      options.log?.(`${this.label} connected to upstream ${upstreamHost}:${upstreamPort}`);
      this.links.upstream.start();
      this.links.downstream.start();
    });
    for (const socket of [client, this.upstream]) {
      socket.on('error', (error: NodeJS.ErrnoException) => this.onError(socket, error));
      socket.once('close', () => this.onSocketClosed());
    }
  }

  link(stream: Stream): Link {
    return this.links[stream];
  }

  /** Closes both sides now: FIN (after flushing written data) or RST. */
  close(mode: 'fin' | 'reset' | 'destroy'): void {
    if (this.closing) {
      // A graceful close in progress can still be cut short (proxy disabled, server closing).
      if (mode === 'destroy') for (const socket of [this.client, this.upstream]) socket.destroy();
      return;
    }
    this.closing = true;
    this.links.upstream.dispose();
    this.links.downstream.dispose();
    for (const socket of [this.client, this.upstream]) {
      if (mode === 'reset') {
        if (!socket.destroyed) socket.resetAndDestroy();
      } else if (mode === 'destroy' || socket.connecting) {
        socket.destroy();
      } else {
        socket.end(() => socket.destroy());
        socket.resume(); // read and discard so the peer's FIN can arrive
        setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      }
    }
  }

  private onError(socket: net.Socket, error: NodeJS.ErrnoException): void {
    const side = socket === this.client ? 'client' : 'upstream';
    this.options.log?.(`${this.label} ${side} error: ${error.code ?? error.message}`);
    // A reset on one side becomes a reset on the other; anything else a plain close.
    this.close(error.code === 'ECONNRESET' && socket.connecting === false ? 'reset' : 'destroy');
  }

  private onSocketClosed(): void {
    this.openSockets--;
    if (this.openSockets > 0) return;
    this.closing = true;
    this.links.upstream.dispose();
    this.links.downstream.dispose();
    this.options.log?.(`${this.label} closed`);
    this.options.onClosed(this);
  }
}
