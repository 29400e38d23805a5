/**
 * One proxy: a listener, its live connections and its toxic chain (per direction, in the
 * order the toxics were added). `enabled:false` closes the listener AND every connection;
 * enabling again listens on the same (resolved) port.
 */
import net from 'node:net';
import { ToxiproxyApiError, toxicExists, toxicNotFound } from './api-error.js';
import { formatHostPort, parseHostPort } from './host-port.js';
import type { DirectionCounters } from './link.js';
import { ProxyConnection } from './proxy-connection.js';
import { toxicJson, type Stream, type ToxicConfig, type ToxicJson } from './toxic-config.js';

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

export interface ProxyUpdate {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
}

export class ToxicProxy {
  listen: string;
  upstream: string;
  enabled = false;
  private toxics: ToxicConfig[] = [];
  private server: net.Server | null = null;
  private readonly connections = new Set<ProxyConnection>();
  readonly counters: Record<Stream, DirectionCounters> = {
    upstream: { received: 0, sent: 0 },
    downstream: { received: 0, sent: 0 },
  };

  constructor(
    readonly name: string,
    listen: string,
    upstream: string,
    private readonly log: (line: string) => void,
    private readonly logConnections: boolean,
  ) {
    parseHostPort(listen, 'listen');
    parseHostPort(upstream, 'upstream');
    this.listen = listen;
    this.upstream = upstream;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  toJSON(): ProxyJson {
    const ordered = [
      ...this.toxics.filter((t) => t.stream === 'upstream'),
      ...this.toxics.filter((t) => t.stream === 'downstream'),
    ];
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: ordered.map(toxicJson),
    };
  }

  async start(): Promise<void> {
    if (this.server) return;
    const parsed = parseHostPort(this.listen, 'listen');
    // Go's net.Listen binds "localhost" to 127.0.0.1; Node could pick ::1.
    const host = parsed.host === 'localhost' ? '127.0.0.1' : parsed.host;
    const port = parsed.port;
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(new ToxiproxyApiError(`proxy ${this.name}: cannot listen on ${this.listen}: ${error.code ?? error.message}`, 409));
      };
      server.once('error', onError);
      server.listen({ host, port }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (error) => this.log(`proxy ${this.name}: listener error: ${error.message}`));
    const address = server.address() as net.AddressInfo;
    this.listen = formatHostPort(address.address, address.port);
    this.server = server;
    this.enabled = true;
    this.log(`proxy ${this.name}: listening on ${this.listen} -> ${this.upstream}`);
  }

  async stop(): Promise<void> {
    this.enabled = false;
    const server = this.server;
    this.server = null;
    for (const conn of this.connections) conn.close('destroy');
    this.connections.clear();
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      this.log(`proxy ${this.name}: stopped`);
    }
  }

  /** Applies listen/upstream/enabled; a changed address restarts the proxy. */
  async update(input: ProxyUpdate): Promise<void> {
    const listen = input.listen ?? this.listen;
    const upstream = input.upstream ?? this.upstream;
    const enabled = input.enabled ?? this.enabled;
    parseHostPort(listen, 'listen');
    parseHostPort(upstream, 'upstream');
    if (listen !== this.listen || upstream !== this.upstream) {
      await this.stop();
      this.listen = listen;
      this.upstream = upstream;
    }
    if (enabled) await this.start();
    else await this.stop();
  }

  getToxic(name: string): ToxicConfig {
    const toxic = this.toxics.find((t) => t.name === name);
    if (!toxic) throw toxicNotFound();
    return toxic;
  }

  toxicList(): ToxicJson[] {
    return this.toJSON().toxics;
  }

  addToxic(config: ToxicConfig): void {
    if (this.toxics.some((t) => t.name === config.name)) throw toxicExists();
    this.toxics.push(config);
    for (const conn of this.connections) conn.link(config.stream).addToxic(config);
  }

  replaceToxic(config: ToxicConfig): void {
    const index = this.toxics.findIndex((t) => t.name === config.name);
    if (index < 0) throw toxicNotFound();
    this.toxics[index] = config;
    for (const conn of this.connections) conn.link(config.stream).updateToxic(config);
  }

  removeToxic(name: string): void {
    const toxic = this.getToxic(name);
    this.toxics = this.toxics.filter((t) => t !== toxic);
    for (const conn of this.connections) conn.link(toxic.stream).removeToxic(name);
  }

  removeAllToxics(): void {
    for (const toxic of [...this.toxics]) this.removeToxic(toxic.name);
  }

  private accept(client: net.Socket): void {
    if (!this.enabled) {
      client.destroy();
      return;
    }
    const { host, port } = parseHostPort(this.upstream, 'upstream');
    const log = this.logConnections ? (line: string) => this.log(`proxy ${this.name}: ${line}`) : null;
    log?.(`${client.remoteAddress}:${client.remotePort} accepted`);
    const conn = new ProxyConnection({
      client,
      upstreamHost: host,
      upstreamPort: port,
      toxics: this.toxics,
      counters: this.counters,
      log,
      onClosed: (c) => this.connections.delete(c),
    });
    this.connections.add(conn);
  }
}
