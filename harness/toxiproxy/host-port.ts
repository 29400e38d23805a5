/** Parses "host:port" / "[v6]:port" addresses of proxy bodies. */
import { badRequest } from './api-error.js';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(value: unknown, field: 'listen' | 'upstream'): HostPort {
  if (typeof value !== 'string') throw badRequest(`${field} must be a "host:port" string`);
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  const minPort = field === 'listen' ? 0 : 1;
  if (!match || port < minPort || port > 65535) {
    throw badRequest(`${field} must be "host:port" with a port from ${minPort} to 65535, got ${JSON.stringify(value)}`);
  }
  let host = match[1] ?? match[2] ?? '';
  // An empty host would listen on every interface; this lab stays on loopback.
  if (host === '') host = '127.0.0.1';
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
