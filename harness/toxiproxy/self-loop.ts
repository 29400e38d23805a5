/**
 * A proxy whose upstream is its own listen address would connect to itself for every
 * connection, without end. `upstreamIsSelf` tells, once the listener is bound, whether the
 * upstream resolves to that address (host names through DNS, wildcard listeners through
 * the machine's interfaces); `socketIsSelf` is the same check on a live upstream socket.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import { isLoopbackHost, isUnspecifiedHost, sameAddress } from './listen-policy.js';
import type { HostPort } from './host-port.js';

const LOOKUP_TIMEOUT_MS = 1000;

async function resolveHost(host: string): Promise<string[]> {
  if (net.isIP(host)) return [isUnspecifiedHost(host) ? (net.isIPv6(host) ? '::1' : '127.0.0.1') : host];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS)));
  const lookup = dns.lookup(host, { all: true }).then(
    (found) => found.map((a) => a.address),
    () => [] as string[], // unresolvable now: it cannot be us now
  );
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isLocalAddress(address: string): boolean {
  if (isLoopbackHost(address)) return true;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const info of list ?? []) if (sameAddress(address, info.address)) return true;
  }
  return false;
}

/** True when connecting to `upstream` reaches the listener bound at `bound`. */
export async function upstreamIsSelf(bound: HostPort, upstream: HostPort): Promise<boolean> {
  if (bound.port !== upstream.port) return false;
  const addresses = await resolveHost(upstream.host);
  if (isUnspecifiedHost(bound.host)) return addresses.some(isLocalAddress);
  return addresses.some((a) => sameAddress(a, bound.host));
}

/** True when the connected `socket` ends at the listener bound at `bound`. */
export function socketIsSelf(bound: HostPort, socket: net.Socket): boolean {
  const { remoteAddress, remotePort, localAddress } = socket;
  if (remoteAddress === undefined || remotePort !== bound.port) return false;
  if (isUnspecifiedHost(bound.host)) return remoteAddress === localAddress || isLoopbackHost(remoteAddress);
  return sameAddress(remoteAddress, bound.host);
}
