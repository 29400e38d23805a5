/**
 * Closing an API connection without losing the answer: send FIN after what was written,
 * keep reading (and dropping) what the client still sends, and destroy the socket when the
 * client closes its side, after `graceMs`, or after `maxBytes` more bytes. Closing at once
 * with unread bytes in the kernel would send a reset that can wipe the answer at the client.
 */
import type { Socket } from 'node:net';

export interface LingerOptions {
  graceMs?: number;
  maxBytes?: number;
}

const lingering = new WeakSet<Socket>();

export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

export function lingeringClose(socket: Socket, options: LingerOptions = {}): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  const { graceMs = 1000, maxBytes = 4 * 1024 * 1024 } = options;
  const timer = setTimeout(() => socket.destroy(), graceMs);
  let dropped = 0;
  socket.on('data', (data: Buffer) => {
    dropped += data.length;
    if (dropped > maxBytes) socket.destroy();
  });
  socket.on('error', () => socket.destroy());
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
  socket.end();
  socket.resume();
}

/**
 * Makes Node's own "close after this response" (which destroys the socket as soon as the
 * FIN is written) a lingering close. Without it the socket still closes, just abruptly.
 */
export function lingerInsteadOfDestroySoon(socket: Socket, options: LingerOptions = {}): void {
  (socket as Socket & { destroySoon?: () => void }).destroySoon = () => lingeringClose(socket, options);
}
