/**
 * Our name (redis-1, ...) of a Redis Cluster node from the address a CLUSTER NODES line gives.
 * By host:port first: docker nodes all listen on 6379 and announce their own container IPs.
 * Then by port alone, when no node has that host:port and exactly one node has that port: the
 * local provider's partition relay makes every node announce 127.0.2.1 with its own port, and
 * a node behind a Toxiproxy proxy announces the proxy's port.
 */
export interface NamedNodeAddress {
  name: string;
  host: string;
  port: number;
  /** The port it announces when not its own (a Toxiproxy proxy's). */
  announcedPort?: number;
}

export type NodeNameLookup = (address: { host: string; port: number }) => string | undefined;

export function clusterNodeNames(nodes: readonly NamedNodeAddress[]): NodeNameLookup {
  const byAddress = new Map(nodes.map((n) => [`${n.host}:${n.port}`, n.name]));
  const ports = nodes.flatMap((n) => [{ port: n.port, name: n.name }, ...(n.announcedPort !== undefined ? [{ port: n.announcedPort, name: n.name }] : [])]);
  const portCounts = new Map<number, number>();
  for (const p of ports) portCounts.set(p.port, (portCounts.get(p.port) ?? 0) + 1);
  const byPort = new Map(ports.filter((p) => portCounts.get(p.port) === 1).map((p) => [p.port, p.name]));
  return ({ host, port }) => byAddress.get(`${host}:${port}`) ?? byPort.get(port);
}
