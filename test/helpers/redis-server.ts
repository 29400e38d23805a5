/** A real redis-server for a test file: own free port, no persistence, stopped by PID after. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { before, after } from 'node:test';
import { Redis } from 'ioredis';
import { freePort } from '../../harness/topology/free-port.js';

export interface TestRedis {
  port: number;
  client: Redis;
}

/** Starts redis-server before the file's tests and stops it after; the object is filled in `before`. */
export function useRedisServer(): TestRedis {
  const state = { port: 0, client: undefined as unknown as Redis };
  let redisProcess: ReturnType<typeof spawn> | undefined;
  before(async () => {
    state.port = await freePort();
    const proc = spawn(
      'redis-server',
      ['--port', String(state.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    redisProcess = proc;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server not ready: ${log}`)), 10_000);
      proc.stdout!.on('data', (b: Buffer) => {
        log += b.toString();
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${log}`));
      });
    });
    state.client = new Redis({ host: '127.0.0.1', port: state.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await state.client.connect();
  });
  after(async () => {
    state.client?.disconnect();
    if (redisProcess && redisProcess.exitCode === null && redisProcess.pid) {
      const exited = once(redisProcess, 'exit');
      process.kill(redisProcess.pid, 'SIGTERM');
      await exited;
    }
  });
  return state;
}
