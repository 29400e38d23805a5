/**
 * Binding one proxy listener: "localhost" and an empty host bind 127.0.0.1 (as Go's
 * net.Listen does), port 0 picks a free port, failures are 409 naming the errno. Closing
 * resolves once the listening socket is gone.
 */
import net from 'node:net';
import { ToxiproxyApiError } from './api-error.js';
import { formatHostPort, parseHostPort, type HostPort } from './host-port.js';

export interface Listener {
  /** The bound address, e.g. "127.0.0.1:43210". */
  readonly listen: string;
  readonly bound: HostPort;
  close(): Promise<void>;
}

export function isAddressInUse(error: unknown): boolean {
  return error instanceof ToxiproxyApiError && error.status === 409 && error.message.includes('EADDRINUSE');
}

/** "localhost:80" and "127.0.0.1:80" are one address; port 0 is never "the same". */
export function canonicalHost(host: string): string {
  return host === 'localhost' || host === '' ? '127.0.0.1' : host;
}

export async function bindListener(
  proxyName: string,
  listen: string,
  onConnection: (socket: net.Socket) => void,
  log: (line: string) => void,
): Promise<Listener> {
  const parsed = parseHostPort(listen, 'listen');
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(new ToxiproxyApiError(`proxy ${proxyName}: cannot listen on ${listen}: ${error.code ?? error.message}`, 409));
    };
    server.once('error', onError);
    server.listen({ host: canonicalHost(parsed.host), port: parsed.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => log(`proxy ${proxyName}: listener error: ${error.message}`));
  const address = server.address() as net.AddressInfo;
  return {
    listen: formatHostPort(address.address, address.port),
    bound: { host: address.address, port: address.port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
