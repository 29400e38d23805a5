/**
 * Cleanup without Ryuk (its image cannot be pulled here): every container and network of a
 * run carries labels naming the run and the harness process (pid + start time, to detect pid
 * reuse). The next start reaps what a dead harness left; a live one removes its own on
 * stop(), on errors, on SIGINT/SIGTERM and, as a last resort, synchronously at exit.
 */
import { spawnSync } from 'node:child_process';
import { getContainerRuntimeClient } from 'testcontainers';
import { processStartTime } from '../local/run-directory.js';
import { disableRyuk } from './docker-cli.js';

export const LABEL_RUN = 'php-session-lab.run';
export const LABEL_PID = 'php-session-lab.pid';
export const LABEL_PID_START = 'php-session-lab.pid-start';
export const LABEL_ROLE = 'php-session-lab.role';

export function runLabels(runId: string, role: string): Record<string, string> {
  return {
    [LABEL_RUN]: runId,
    [LABEL_PID]: String(process.pid),
    [LABEL_PID_START]: processStartTime(process.pid) ?? '',
    [LABEL_ROLE]: role,
  };
}

function ownerAlive(labels: Record<string, string> | undefined): boolean {
  const pid = Number(labels?.[LABEL_PID]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const start = labels?.[LABEL_PID_START];
  return !start || processStartTime(pid) === start;
}

/** Removes every container and network of a run (by label). Returns how many objects. */
export async function removeRun(runId: string): Promise<number> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const containers = await docker.listContainers({ all: true, filters });
  // A paused container (node-hang, redis-hang) is continued before it is removed.
  await Promise.allSettled(containers.filter((c) => c.State === 'paused').map((c) => docker.getContainer(c.Id).unpause()));
  await Promise.allSettled(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
  const networks = await docker.listNetworks({ filters });
  await Promise.allSettled(networks.map((n) => docker.getNetwork(n.Id).remove()));
  return containers.length + networks.length;
}

/** What is left with a run label: for tests and `doctor`. */
export async function listRunObjects(runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const filters = JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] });
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  return { containers: containers.map((c) => c.Names[0] ?? c.Id), networks: networks.map((n) => n.Name) };
}

/** Removes labelled containers/networks of runs whose harness process is gone. Returns the run ids. */
export async function reapStaleDockerRuns(log: (message: string) => void = () => {}): Promise<string[]> {
  disableRyuk();
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const filters = JSON.stringify({ label: [LABEL_RUN] });
  const [containers, networks] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters })]);
  const stale = new Set<string>();
  for (const item of [...containers, ...networks]) {
    const run = item.Labels?.[LABEL_RUN];
    if (run && !ownerAlive(item.Labels)) stale.add(run);
  }
  for (const run of stale) {
    const removed = await removeRun(run);
    log(`reaped ${removed} docker object(s) of stale run ${run}`);
  }
  return [...stale];
}

/** Something that can clean up after itself, async (signals) and sync (process exit). */
export interface Cleanable {
  stop(): Promise<number>;
  /** Blocking best effort, for process 'exit'. */
  stopSync(): void;
}

const active = new Set<Cleanable>();
let hooksInstalled = false;

/** signal-exit (pulled in by testcontainers' lock files) listens too, but only to re-raise. */
function isSignalExitHook(listener: unknown): boolean {
  return String(listener).includes('processOk');
}

function onSignal(signal: NodeJS.Signals): void {
  const handler = (): void => {
    // Someone else handles the signal (the CLI aborts gracefully: heals faults, then calls
    // stop()); the 'exit' hook still covers a process.exit() before that finishes.
    if (process.listeners(signal).some((l) => l !== handler && !isSignalExitHook(l))) return;
    // Nobody else: remove the run's containers, then die by the signal like Node's default.
    void Promise.allSettled([...active].map((t) => t.stop())).then(() => {
      process.removeListener(signal, handler);
      process.kill(process.pid, signal);
    });
  };
  process.on(signal, handler);
}

export function trackActive(topology: Cleanable): void {
  active.add(topology);
  if (hooksInstalled) return;
  hooksInstalled = true;
  onSignal('SIGINT');
  onSignal('SIGTERM');
  process.on('exit', () => {
    for (const t of active) t.stopSync();
  });
}

export function untrackActive(topology: Cleanable): void {
  active.delete(topology);
}

/** Sync removal with the docker CLI (for the 'exit' hook, where nothing async runs). */
export function removeRunSync(runId: string): void {
  const filter = `label=${LABEL_RUN}=${runId}`;
  const ids = spawnSync('docker', ['ps', '-aq', '--filter', filter], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim();
  const paused = spawnSync('docker', ['ps', '-q', '--filter', filter, '--filter', 'status=paused'], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim();
  if (paused) spawnSync('docker', ['unpause', ...paused.split(/\s+/)], { timeout: 20_000 });
  if (ids) spawnSync('docker', ['rm', '-f', '-v', ...ids.split(/\s+/)], { timeout: 20_000 });
  const nets = spawnSync('docker', ['network', 'ls', '-q', '--filter', filter], { encoding: 'utf8', timeout: 10_000 }).stdout?.trim();
  if (nets) spawnSync('docker', ['network', 'rm', ...nets.split(/\s+/)], { timeout: 20_000 });
}
