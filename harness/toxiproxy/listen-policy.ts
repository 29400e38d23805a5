/**
 * Where proxies may listen. By default only loopback (127.0.0.0/8, ::1, "localhost", an
 * empty host) and the API's own specific address; 0.0.0.0, [::], "0" and every other
 * address or host name need `allowNonLoopback` (CLI: --allow-non-loopback). Go Toxiproxy
 * listens wherever it is told; this lab keeps chaos proxies off the network by default.
 */
import net from 'node:net';
import { badRequest } from './api-error.js';

export interface ListenPolicy {
  allowNonLoopback: boolean;
  /** The API server's host: its proxies may listen on that same specific address. */
  apiHost: string;
}

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
const unspecified = new net.BlockList();
unspecified.addAddress('0.0.0.0', 'ipv4');
unspecified.addAddress('::', 'ipv6');

function familyOf(host: string): 'ipv4' | 'ipv6' | null {
  const v = net.isIP(host);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : null;
}

function inList(list: net.BlockList, host: string): boolean {
  const family = familyOf(host);
  if (!family) return false;
  try {
    return list.check(host, family);
  } catch {
    return false; // e.g. an IPv6 zone index
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === '' || host === 'localhost' || inList(loopback, host);
}

export function isUnspecifiedHost(host: string): boolean {
  return inList(unspecified, host);
}

/** Same IP address, whatever its spelling ("::1" and "0:0::1", "::ffff:1.2.3.4" and "1.2.3.4"). */
export function sameAddress(a: string, b: string): boolean {
  const family = familyOf(b);
  if (!family || !familyOf(a)) return a === b;
  const one = new net.BlockList();
  one.addAddress(b, family);
  return inList(one, a);
}

/** Throws 400 when `host` is beyond what the policy allows. */
export function checkListenHost(host: string, policy: ListenPolicy): void {
  if (policy.allowNonLoopback || isLoopbackHost(host)) return;
  const api = policy.apiHost;
  if (familyOf(api) && !isUnspecifiedHost(api) && !isUnspecifiedHost(host) && sameAddress(host, api)) return;
  throw badRequest(
    `listen host ${JSON.stringify(host)} is not a loopback address; start the server with --allow-non-loopback ` +
      '(option allowNonLoopback) to listen on it',
  );
}
