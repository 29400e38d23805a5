/**
 * Partitions between Redis Cluster nodes in user space (no netem, no iptables): Jepsen's
 * partition nemesis for the cluster's own links. Every node announces, as its IP, the relay's
 * address (RELAY_HOST) with its own client and bus port numbers, and sends its own outgoing
 * connections (cluster bus, replication) from its own loopback address (`bind-source-addr`
 * SOURCE_PREFIX.N). So each connection the relay accepts says who talks (source address) to
 * whom (listening port). Clients (PHP, the harness) reach the nodes directly: the nodes announce
 * 127.0.0.1 as their hostname and clients are sent there (cluster-preferred-endpoint-type
 * hostname), so a partition between Redis nodes leaves every node reachable from PHP: the
 * minority master keeps accepting writes until it notices it is alone.
 *
 * A cut pair is blackholed like a dropped network path: new connections are accepted and
 * never answered, established ones stop passing bytes. Healing closes the blackholed
 * connections, so both sides reconnect at once.
 */
import net from 'node:net';
import { HarnessError } from '../../errors.js';

/** Where the relay listens: a loopback address of its own, so it can take each node's own port numbers. */
export const RELAY_HOST = '127.0.2.1';
/** Node N sends from SOURCE_PREFIX.N (redis-1 -> 127.0.3.1). */
export const SOURCE_PREFIX = '127.0.3';

export function sourceAddressOf(nodeIndex: number): string {
  if (!Number.isInteger(nodeIndex) || nodeIndex < 1 || nodeIndex > 254) throw new Error(`no source address for node index ${nodeIndex}`);
  return `${SOURCE_PREFIX}.${nodeIndex}`;
}

export interface RelayRoute {
  /** The node behind it (redis-N). */
  node: string;
  /** Listens on RELAY_HOST:port, forwards to targetHost:targetPort. */
  port: number;
  targetHost: string;
  targetPort: number;
}

interface Pipe {
  from: string | null;
  to: string;
  client: net.Socket;
  upstream: net.Socket | null;
  cut: boolean;
}

export class ClusterLinkRelay {
  private readonly servers: net.Server[] = [];
  private readonly pipes = new Set<Pipe>();
  /** The nodes cut off from the others (both directions); empty = no partition. */
  private isolated = new Set<string>();

  constructor(
    private readonly routes: readonly RelayRoute[],
    /** Node names by index: source SOURCE_PREFIX.N is nodeNames[N - 1]. */
    private readonly nodeNames: readonly string[],
  ) {}

  async start(): Promise<void> {
    for (const route of this.routes) {
      const server = net.createServer({ allowHalfOpen: false }, (client) => this.accept(route, client));
      this.servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error) => reject(new HarnessError(`cluster link relay: cannot listen on ${RELAY_HOST}:${route.port} for ${route.node}: ${error.message}`)));
        server.listen(route.port, RELAY_HOST, () => resolve());
      });
    }
  }

  /** Which node a connection comes from: its source address, or null for a client. */
  private sourceNode(address: string | undefined): string | null {
    const match = address ? /^(?:::ffff:)?127\.0\.3\.(\d+)$/.exec(address) : null;
    return match ? this.nodeNames[Number(match[1]) - 1] ?? null : null;
  }

  private blocked(from: string | null, to: string): boolean {
    return from !== null && from !== to && this.isolated.has(from) !== this.isolated.has(to);
  }

  private accept(route: RelayRoute, client: net.Socket): void {
    const pipe: Pipe = { from: this.sourceNode(client.remoteAddress), to: route.node, client, upstream: null, cut: false };
    this.pipes.add(pipe);
    client.on('error', () => {});
    client.once('close', () => this.drop(pipe));
    if (this.blocked(pipe.from, pipe.to)) {
      this.blackhole(pipe);
      return;
    }
    const upstream = net.connect({ host: route.targetHost, port: route.targetPort, noDelay: true });
    pipe.upstream = upstream;
    upstream.on('error', () => {});
    upstream.once('close', () => this.drop(pipe));
    client.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Nothing passes any more; the sockets stay open, as across a dropped network path. */
  private blackhole(pipe: Pipe): void {
    pipe.cut = true;
    pipe.client.unpipe();
    pipe.upstream?.unpipe();
    pipe.client.removeAllListeners('data');
    pipe.upstream?.removeAllListeners('data');
    pipe.client.on('data', () => {});
    pipe.upstream?.on('data', () => {});
  }

  private drop(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    pipe.client.destroy();
    pipe.upstream?.destroy();
  }

  /** Cuts `nodes` off from every other Redis node (both directions); clients are not affected. */
  partition(nodes: readonly string[]): void {
    for (const node of nodes) {
      if (!this.nodeNames.includes(node)) throw new HarnessError(`cluster link relay: no node named ${node}`);
    }
    this.isolated = new Set(nodes);
    for (const pipe of this.pipes) if (!pipe.cut && this.blocked(pipe.from, pipe.to)) this.blackhole(pipe);
  }

  /** Ends the partition: blackholed connections are closed so both sides reconnect. */
  heal(): void {
    this.isolated = new Set();
    for (const pipe of [...this.pipes]) if (pipe.cut) this.drop(pipe);
  }

  get partitioned(): readonly string[] {
    return [...this.isolated];
  }

  async stop(): Promise<void> {
    for (const pipe of [...this.pipes]) this.drop(pipe);
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
  }
}
