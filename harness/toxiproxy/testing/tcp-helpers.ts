/**
 * Small TCP helpers for the toxiproxy tests and bench: an echo server on 127.0.0.1 and
 * bounded client reads (every wait has a deadline).
 */
import net from 'node:net';

export interface EchoServer {
  readonly port: number;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** Echoes every byte back; passes half-closes on (allowHalfOpen). */
export async function startEchoServer(): Promise<EchoServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function connect(port: number, timeoutMs = 5000): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${port} timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves with exactly `n` bytes (extra bytes stay buffered), or rejects at the deadline. */
export function readBytes(socket: net.Socket, n: number, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const done = (error: Error | null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      if (error) reject(error);
    };
    const onData = (data: Buffer): void => {
      parts.push(data);
      have += data.length;
      if (have >= n) {
        socket.pause();
        const all = Buffer.concat(parts);
        if (all.length > n) socket.unshift(all.subarray(n));
        done(null);
        resolve(all.subarray(0, n));
      }
    };
    const onEnd = (): void => done(new Error(`stream ended after ${have} of ${n} bytes`));
    const onError = (error: Error): void => done(error);
    const timer = setTimeout(() => done(new Error(`read timed out after ${have} of ${n} bytes`)), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
    socket.resume();
  });
}

export interface CloseInfo {
  /** Error code (e.g. ECONNRESET) or null for a clean close. */
  code: string | null;
  /** Bytes received before the close. */
  received: number;
  /** ms from the call to the close. */
  afterMs: number;
}

/** Reads (and counts) until the socket closes; rejects at the deadline. */
export function waitForClose(socket: net.Socket, timeoutMs = 5000): Promise<CloseInfo> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let received = 0;
    let code: string | null = null;
    if (socket.destroyed) {
      resolve({ code: null, received, afterMs: 0 });
      return;
    }
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after ${timeoutMs} ms (${received} bytes received)`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => (received += d.length));
    socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code ?? error.message));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ code, received, afterMs: performance.now() - started });
    });
    socket.resume();
  });
}

/** Sends `payload` and measures the time until it is echoed back completely. */
export async function roundTrip(socket: net.Socket, payload: Buffer, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  const reply = readBytes(socket, payload.length, timeoutMs);
  socket.write(payload);
  const got = await reply;
  if (!got.equals(payload)) throw new Error('echo mismatch');
  return performance.now() - started;
}
