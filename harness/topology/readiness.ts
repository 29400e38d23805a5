/** Awaits readiness by probing (never by sleeping a fixed time). */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadinessTimeoutError } from '../errors.js';

export interface ProbeOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Fails fast when the process died. */
  isDead?: () => string | null;
  signal?: AbortSignal;
}

async function poll(what: string, probe: () => Promise<boolean>, options: ProbeOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let interval = options.intervalMs ?? 10;
  for (;;) {
    options.signal?.throwIfAborted();
    const dead = options.isDead?.();
    if (dead) throw new ReadinessTimeoutError(`${what} exited before it was ready: ${dead}`);
    if (await probe()) return;
    if (Date.now() > deadline) throw new ReadinessTimeoutError(`${what} not ready after ${timeoutMs} ms`);
    await sleep(interval);
    interval = Math.min(interval * 1.5, 200);
  }
}

export function tcpAccepts(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function httpOk(url: string, expect?: (body: string) => boolean, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { connection: 'close' } });
    const body = await response.text();
    return response.ok && (expect ? expect(body) : true);
  } catch {
    return false;
  }
}

export function waitForTcp(what: string, host: string, port: number, options: ProbeOptions = {}): Promise<void> {
  return poll(what, () => tcpAccepts(host, port), options);
}

export function waitForHttp(what: string, url: string, options: ProbeOptions & { expect?: (body: string) => boolean } = {}): Promise<void> {
  return poll(what, () => httpOk(url, options.expect), options);
}
