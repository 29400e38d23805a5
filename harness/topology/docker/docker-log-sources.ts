/** The docker provider's logs for the evidence probe: files copied out of the containers, and `docker logs`. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LogFormat, LogSource } from '../../evidence/evidence-types.js';

const run = promisify(execFile);
const MAX_BUFFER = 256 * 1024 * 1024;

/** `docker logs` of a container: stdout and stderr together (servers log to stderr). */
export function containerLog(component: string, format: LogFormat, containerName: string): LogSource {
  return {
    component,
    format,
    origin: `docker logs ${containerName}`,
    read: async () => {
      const { stdout, stderr } = await run('docker', ['logs', '--timestamps=false', containerName], { maxBuffer: MAX_BUFFER, timeout: 30_000 });
      return `${stdout}${stderr}`;
    },
  };
}

/**
 * The one file of a tar stream as `docker cp CONTAINER:PATH -` writes it: a 512-byte header
 * (size in octal at 124, 12 bytes), then the content.
 */
export function singleFileOfTar(tar: Buffer): string {
  if (tar.length < 512) throw new Error(`not a tar stream (${tar.length} bytes)`);
  const size = parseInt(tar.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
  if (!Number.isFinite(size) || size < 0 || 512 + size > tar.length) throw new Error('tar header with an impossible size');
  return tar.subarray(512, 512 + size).toString('utf8');
}

/**
 * A file inside a container, copied out with `docker cp` — which works on a stopped container
 * too, so a killed node's logs are still read. A file never created (PHP's error log is created
 * by its first line) is empty; a container that is gone is unreadable.
 */
export function containerFile(component: string, format: LogFormat, containerName: string, path: string): LogSource {
  return {
    component,
    format,
    origin: `${path} in ${containerName}`,
    read: async () => {
      try {
        const { stdout } = await run('docker', ['cp', `${containerName}:${path}`, '-'], { encoding: 'buffer', maxBuffer: MAX_BUFFER, timeout: 30_000 });
        return singleFileOfTar(stdout);
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer | string }).stderr ?? '');
        if (/Could not find the file|no such file or directory/i.test(stderr) && !/No such container/i.test(stderr)) return '';
        throw new Error(stderr.trim().split('\n').pop() || (error as Error).message);
      }
    },
  };
}
