/** The docker provider's logs for the evidence probe: files read inside the containers, and `docker logs`. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StartedTestContainer } from 'testcontainers';
import type { LogFormat, LogSource } from '../../evidence/evidence-types.js';

const run = promisify(execFile);

/** `docker logs` of a container: stdout and stderr together (servers log to stderr). */
export function containerLog(component: string, format: LogFormat, containerName: string): LogSource {
  return {
    component,
    format,
    origin: `docker logs ${containerName}`,
    read: async () => {
      const { stdout, stderr } = await run('docker', ['logs', '--timestamps=false', containerName], { maxBuffer: 256 * 1024 * 1024, timeout: 30_000 });
      return `${stdout}${stderr}`;
    },
  };
}

/** A file inside a running container (empty when the container or the file is gone). */
export function containerFile(component: string, format: LogFormat, container: () => StartedTestContainer | null | undefined, path: string): LogSource {
  return {
    component,
    format,
    origin: `${path} in the ${component} container`,
    read: async () => {
      const c = container();
      if (!c) throw new Error(`the ${component} container is not running`);
      const { output, exitCode } = await c.exec(['cat', path]);
      if (exitCode !== 0) throw new Error(`cat ${path}: exit ${exitCode}`);
      return output;
    },
  };
}
