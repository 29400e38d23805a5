/**
 * "host:port" / "[v6]:port" addresses of proxy bodies, split as Go's net package does
 * (net.SplitHostPort, then the port as net.LookupPort reads a number: "+80" is 80, an empty
 * port is 0). A failure is Go's error text, e.g. "address nowhere: missing port in address";
 * Toxiproxy answers it with 500 ("listen tcp: " in front when it came from net.Listen).
 */
import { ToxiproxyApiError } from './api-error.js';

export interface HostPort {
  host: string;
  port: number;
}

const addrError = (addr: string, why: string): string => (addr === '' ? why : `address ${addr}: ${why}`);

/** Go's net.SplitHostPort: the host and port strings, or the error text. */
function splitHostPort(addr: string): { host: string; port: string } | string {
  const i = addr.lastIndexOf(':');
  if (i < 0) return addrError(addr, 'missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0) return addrError(addr, "missing ']' in address");
    if (end + 1 === addr.length) return addrError(addr, 'missing port in address');
    if (end + 1 !== i) return addrError(addr, addr[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = addr.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = addr.slice(0, i);
    if (host.includes(':')) return addrError(addr, 'too many colons in address');
  }
  if (addr.slice(j).includes('[')) return addrError(addr, "unexpected '[' in address");
  if (addr.slice(k).includes(']')) return addrError(addr, "unexpected ']' in address");
  return { host, port: addr.slice(i + 1) };
}

/** Go's parsePort + LookupPort for a number; service names ("http") are not looked up. */
function parsePort(service: string): number | string {
  let digits = service;
  let sign = 1;
  if (digits.startsWith('+') || digits.startsWith('-')) {
    sign = digits.startsWith('-') ? -1 : 1;
    digits = digits.slice(1);
  }
  if (!/^\d*$/.test(digits)) return `lookup tcp/${service}: unknown port`;
  const port = sign * Number(digits === '' ? 0 : digits);
  if (port < 0 || port > 65535) return addrError(service, 'invalid port');
  return port;
}

/** Splits an address as Go does; a string result is Go's error text. Empty host stays empty. */
export function splitAddress(addr: string): HostPort | string {
  if (addr === '') return { host: '', port: 0 };
  const split = splitHostPort(addr);
  if (typeof split === 'string') return split;
  const port = parsePort(split.port);
  if (typeof port === 'string') return port;
  return { host: split.host, port };
}

/**
 * A listen or upstream address, or a 500 with Go's text (`listen tcp: ...` for listen). An
 * empty host becomes 127.0.0.1: Go would listen on every interface, this lab stays on loopback.
 */
export function parseHostPort(value: string, field: 'listen' | 'upstream'): HostPort {
  const parsed = splitAddress(value);
  if (typeof parsed === 'string') {
    throw new ToxiproxyApiError(field === 'listen' ? `listen tcp: ${parsed}` : `dial tcp: ${parsed}`, 500);
  }
  return { host: parsed.host === '' ? '127.0.0.1' : parsed.host, port: parsed.port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
