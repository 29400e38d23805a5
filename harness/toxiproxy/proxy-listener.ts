/**
 * Binding one proxy listener: "localhost" and an empty host bind 127.0.0.1, port 0 picks a
 * free port. Failures answer 500 with Go's net.Listen text, as Toxiproxy does (proxy.go
 * returns the error, api.go makes it a 500): "listen tcp 127.0.0.1:3310: bind: address
 * already in use". Closing resolves once the listening socket is gone.
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

/** A listen failure (500), with the errno for the callers that retry on EADDRINUSE. */
export class ListenError extends ToxiproxyApiError {
  constructor(
    message: string,
    readonly errno: string,
  ) {
    super(message, 500);
  }
}

export function isAddressInUse(error: unknown): boolean {
  return error instanceof ListenError && error.errno === 'EADDRINUSE';
}

// Go's texts for the errors a bind gets (syscall errno strings).
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'bind: address already in use',
  EACCES: 'bind: permission denied',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
};

function listenError(host: string, port: number, error: NodeJS.ErrnoException): ListenError {
  const code = error.code ?? 'UNKNOWN';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new ListenError(`listen tcp: lookup ${host}: no such host`, code);
  }
  const why = BIND_ERRORS[code] ?? error.message;
  return new ListenError(`listen tcp ${formatHostPort(host, port)}: ${why}`, code);
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
    const host = canonicalHost(parsed.host);
    const onError = (error: NodeJS.ErrnoException): void => reject(listenError(host, parsed.port, error));
    server.once('error', onError);
    server.listen({ host, port: parsed.port }, () => {
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
