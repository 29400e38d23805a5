/** Small helpers around the docker daemon: is it there, start it, run the docker/ scripts. */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError, MissingDependencyError } from '../../errors.js';
import { projectRoot } from '../../util/project-root.js';

const execFileP = promisify(execFile);

/**
 * testcontainers settings for this project, set before its first call (it reads them lazily):
 * - Ryuk (its reaper) needs an image from a registry: we label and reap ourselves;
 * - inside a container (/.dockerenv) it would reach published ports on the docker0 gateway,
 *   but we publish on 127.0.0.1 only: with a local daemon, the host is 127.0.0.1.
 */
export function disableRyuk(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const dockerHost = process.env.DOCKER_HOST ?? '';
  if (dockerHost === '' || dockerHost.startsWith('unix:')) process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}
disableRyuk();

/** Runs a bash script of docker/, failing with its last output lines. */
export function runScript(script: string, args: string[] = [], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) return resolve(out.trim());
      const tail = (err || out).trim().split('\n').slice(-8).join(' | ');
      if (code === 105) return reject(new MissingDependencyError('docker', 'sudo apt-get install -y docker.io debootstrap && sudo dockerd &'));
      reject(new HarnessError(`${script} exited with ${code}: ${tail}`));
    });
  });
}

/** Does a docker daemon answer `docker info`? Returns null when yes, else why not. */
export async function dockerUnavailableReason(): Promise<string | null> {
  try {
    await execFileP('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 10_000 });
    return null;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return 'docker CLI not installed (apt-get install -y docker.io)';
    return (e.stderr ?? e.message).trim().split('\n').pop() ?? 'docker info failed';
  }
}

/**
 * Makes sure a daemon answers: runs docker/ensure-dockerd.sh (starts dockerd as root, installs
 * docker.io when missing). Throws MissingDependencyError when Docker cannot be had.
 */
export async function ensureDocker(options: { start?: boolean } = {}): Promise<void> {
  const reason = await dockerUnavailableReason();
  if (reason === null) return;
  if (options.start === false) throw new MissingDependencyError('docker', `a running Docker daemon (${reason}): sudo dockerd &`);
  await runScript(join(projectRoot, 'docker', 'ensure-dockerd.sh'), [], 120_000);
}

/** `docker <args>`; resolves stdout. */
export async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await execFileP('docker', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}
