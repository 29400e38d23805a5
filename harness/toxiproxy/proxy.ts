/**
 * One proxy: a listener, its live connections and its toxic chain (per direction, in the
 * order the toxics were added). `enabled:false` closes the listener AND every connection;
 * enabling again listens on the same (resolved) port.
 */
import type net from 'node:net';
import { badRequest, toxicExists, toxicNotFound, type ToxiproxyApiError } from './api-error.js';
import { parseHostPort, splitAddress, type HostPort } from './host-port.js';
import { sameAddress } from './listen-policy.js';
import { bindListener, canonicalHost, isAddressInUse, type Listener } from './proxy-listener.js';
import { socketIsSelf, upstreamIsSelf } from './self-loop.js';
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

const selfLoop = (upstream: string, listen: string): ToxiproxyApiError =>
  badRequest(`upstream ${upstream} is the proxy's own listen address ${listen}: it would connect to itself without end`);

/** Same bound address (Toxiproxy resolves the new listen and compares); port 0 always differs. */
export function sameListenAddress(wanted: string, current: string): boolean {
  if (wanted === current) return true;
  const a = splitAddress(wanted);
  const b = splitAddress(current);
  if (typeof a === 'string' || typeof b === 'string') return false;
  return a.port !== 0 && a.port === b.port && sameAddress(canonicalHost(a.host), canonicalHost(b.host));
}

/** The upstream to dial, or null when Go's dial would fail on its form alone (Toxiproxy accepts any string). */
function upstreamAddress(upstream: string): HostPort | null {
  const parsed = splitAddress(upstream);
  if (typeof parsed === 'string' || parsed.port === 0) return null;
  return { host: parsed.host === '' ? '127.0.0.1' : parsed.host, port: parsed.port };
}

export class ToxicProxy {
  listen: string;
  upstream: string;
  enabled = false;
  private toxics: ToxicConfig[] = [];
  private listener: Listener | null = null;
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
    this.listen = listen;
    this.upstream = upstream;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get listening(): boolean {
    return this.listener !== null;
  }

  toJSON(): ProxyJson {
    const ordered = [
      ...this.toxics.filter((t) => t.direction === 'upstream'),
      ...this.toxics.filter((t) => t.direction === 'downstream'),
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
    if (this.listener) return;
    this.attach(await this.bind(this.listen, this.upstream));
  }

  async stop(): Promise<void> {
    this.enabled = false;
    const listener = this.listener;
    this.listener = null;
    this.closeConnections();
    if (listener) {
      await listener.close();
      this.log(`proxy ${this.name}: stopped`);
    }
  }

  /**
   * Applies listen/upstream/enabled. A new address is bound before the old listener closes,
   * so a failure (address in use, self loop) leaves the proxy exactly as it was.
   */
  async update(input: ProxyUpdate): Promise<void> {
    const listen = input.listen ?? this.listen;
    const upstream = input.upstream ?? this.upstream;
    const enabled = input.enabled ?? this.enabled;
    const dialed = upstreamAddress(upstream);
    const listenChanged = !sameListenAddress(listen, this.listen);
    if (!enabled) {
      await this.stop();
      this.listen = listen;
      this.upstream = upstream;
      return;
    }
    if (this.listener && !listenChanged) {
      if (upstream !== this.upstream) {
        if (dialed && (await upstreamIsSelf(this.listener.bound, dialed))) throw selfLoop(upstream, this.listen);
        this.closeConnections(); // Toxiproxy restarts the proxy: its connections drop
        this.upstream = upstream;
      }
      return;
    }
    let next: Listener;
    try {
      next = await this.bind(listen, upstream);
    } catch (error) {
      // Only our own listener holds that port (e.g. 127.0.0.1:P -> 0.0.0.0:P): free it first.
      if (!this.listener || !isAddressInUse(error) || parseHostPort(listen, 'listen').port !== this.listener.bound.port) throw error;
      next = await this.rebindInPlace(listen, upstream);
    }
    await this.stop();
    this.upstream = upstream;
    this.attach(next);
  }

  private async rebindInPlace(listen: string, upstream: string): Promise<Listener> {
    const previous = this.listen;
    await this.stop();
    try {
      return await this.bind(listen, upstream);
    } catch (error) {
      try {
        this.attach(await this.bind(previous, this.upstream));
      } catch {
        this.log(`proxy ${this.name}: could not listen on ${previous} again; left disabled`);
      }
      throw error;
    }
  }

  /** Binds `listen`, refusing an upstream that is the listener itself; nothing is kept on failure. */
  private async bind(listen: string, upstream: string): Promise<Listener> {
    const listener = await bindListener(this.name, listen, (socket) => this.accept(socket), this.log);
    try {
      const dialed = upstreamAddress(upstream);
      if (dialed && (await upstreamIsSelf(listener.bound, dialed))) throw selfLoop(upstream, listener.listen);
    } catch (error) {
      await listener.close();
      throw error;
    }
    return listener;
  }

  private attach(listener: Listener): void {
    this.listener = listener;
    this.listen = listener.listen;
    this.enabled = true;
    this.log(`proxy ${this.name}: listening on ${this.listen} -> ${this.upstream}`);
  }

  private closeConnections(): void {
    for (const conn of this.connections) conn.close('destroy');
    this.connections.clear();
  }

  getToxic(name: string): ToxicConfig {
    const toxic = this.toxics.find((t) => t.name === name);
    if (!toxic) throw toxicNotFound();
    return toxic;
  }

  toxicList(): ToxicJson[] {
    return this.toJSON().toxics;
  }

  hasToxic(name: string): boolean {
    return this.toxics.some((t) => t.name === name);
  }

  addToxic(config: ToxicConfig): void {
    if (this.hasToxic(config.name)) throw toxicExists();
    this.toxics.push(config);
    for (const conn of this.connections) conn.link(config.direction).addToxic(config);
  }

  replaceToxic(config: ToxicConfig): void {
    const index = this.toxics.findIndex((t) => t.name === config.name);
    if (index < 0) throw toxicNotFound();
    this.toxics[index] = config;
    for (const conn of this.connections) conn.link(config.direction).updateToxic(config);
  }

  removeToxic(name: string): void {
    const toxic = this.getToxic(name);
    this.toxics = this.toxics.filter((t) => t !== toxic);
    for (const conn of this.connections) conn.link(toxic.direction).removeToxic(name);
  }

  removeAllToxics(): void {
    for (const toxic of [...this.toxics]) this.removeToxic(toxic.name);
  }

  private accept(client: net.Socket): void {
    const listener = this.listener;
    if (!this.enabled || !listener) {
      client.destroy();
      return;
    }
    const log = this.logConnections ? (line: string) => this.log(`proxy ${this.name}: ${line}`) : null;
    log?.(`${client.remoteAddress}:${client.remotePort} accepted`);
    const dialed = upstreamAddress(this.upstream);
    if (!dialed) {
      // As Toxiproxy when it cannot dial the upstream: the client is closed.
      log?.(`upstream ${JSON.stringify(this.upstream)} cannot be dialed; client closed`);
      client.destroy();
      return;
    }
    const { host, port } = dialed;
    const conn = new ProxyConnection({
      client,
      upstreamHost: host,
      upstreamPort: port,
      toxics: this.toxics,
      counters: this.counters,
      log,
      isSelf: (socket) => socketIsSelf(listener.bound, socket),
      onClosed: (c) => this.connections.delete(c),
    });
    this.connections.add(conn);
  }
}
