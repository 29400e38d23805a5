/**
 * CPU time per tier for the docker provider. The run's containers are found by their labels
 * (LABEL_RUN, LABEL_ROLE); each container's init pid (`inspect().State.Pid`, in this host's
 * /proc since the daemon runs here) gives its cgroup (/proc/<pid>/cgroup), whose CPU counter is
 * read from the mounted hierarchy: cgroup v2 `cpu.stat` usage_usec, or cgroup v1
 * `cpuacct.usage` (ns). The balancer and Redis containers are one tier each: their cgroup
 * counts every process they ran. A node container runs PHP-FPM and nginx together, which one
 * cgroup cannot split: its processes (the cgroup's `cgroup.procs`) are read one by one from
 * /proc/<pid>/stat (utime + stime + cutime + cstime, like the local provider) and classified by
 * their command name (php-fpm8.2 → php-fpm, nginx → node-web); what the container used
 * besides them (its entrypoint shell, `docker exec` probes) is in `nodeOtherS`.
 *
 * Host processes of the run: docker-proxy (the userland proxy of the published ports: every
 * request of the load passes through it), the embedded Toxiproxy (a child of this process),
 * and the harness itself (process.cpuUsage). The host's busy time from /proc/stat as on local.
 *
 * Network: bytes received on every hop once, like the local provider's loopback figure: the
 * run bridge's own receive counter (container → host: docker-proxy, Toxiproxy), every
 * container's interfaces (its netns's /proc/<pid>/net/dev: the bridge hops to it, and nginx →
 * PHP-FPM on its loopback) and the host's loopback (harness ↔ docker-proxy).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { readProcText, type ReadText } from '../guards/proc-files.js';
import { LABEL_ROLE, LABEL_RUN } from '../topology/docker/docker-labels.js';
import { clockTicks, harnessAndHost, parseLoopbackBytes, parsePidStat, phpMemoryOf, type CpuReading, type TierCpuReader } from './tier-cpu.js';
import type { TierName } from './service-demand.js';

/** What a container's role measures: one tier for the whole cgroup, or 'node' (split by process). */
export function tierOfRole(role: string): TierName | 'node' | null {
  if (/^node-\d+$/.test(role)) return 'node';
  if (role === 'balancer') return 'balancer';
  if (/^redis(-\d+)?$/.test(role)) return 'redis';
  return null;
}

/** The tier of a process inside a node container, by its command name (/proc/<pid>/stat's comm). */
export function tierOfComm(comm: string): TierName | null {
  if (/^php-fpm/.test(comm)) return 'php-fpm';
  if (comm === 'nginx') return 'node-web';
  return null;
}

/** /proc/<pid>/stat's comm (between the first '(' and the last ')'). */
export function commOf(statText: string): string | null {
  const open = statText.indexOf('(');
  const close = statText.lastIndexOf(')');
  return open >= 0 && close > open ? statText.slice(open + 1, close) : null;
}

export interface CgroupLine {
  hierarchy: number;
  controllers: string[];
  path: string;
}

/** /proc/<pid>/cgroup: "hierarchy-ID:controller-list:path" per line; "0::/path" is cgroup v2. */
export function parseProcCgroup(text: string): CgroupLine[] {
  const out: CgroupLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) out.push({ hierarchy: Number(m[1]), controllers: m[2] ? m[2].split(',') : [], path: m[3]! });
  }
  return out;
}

export interface CgroupMount {
  /** The cgroup path the mount shows at its mount point (not "/" inside some cgroup namespaces). */
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** The cgroup mounts of /proc/self/mountinfo ("id parent maj:min root mountpoint opts [optional...] - fstype source superopts"). */
export function parseCgroupMounts(text: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const l = left.split(' ');
    const r = right.split(' ');
    if (r[0] !== 'cgroup' && r[0] !== 'cgroup2') continue;
    out.push({ root: unescapeMount(l[3] ?? '/'), mountPoint: unescapeMount(l[4] ?? ''), fsType: r[0], superOptions: (r[2] ?? '').split(',') });
  }
  return out;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export interface CgroupCpu {
  kind: 'v1' | 'v2';
  /** The cgroup's directory (its cgroup.procs is there). */
  dir: string;
  /** The counter: cpu.stat (v2, usage_usec) or cpuacct.usage (v1, ns). */
  file: string;
}

function under(mount: CgroupMount, path: string): string | null {
  const root = mount.root === '/' ? '' : mount.root.replace(/\/$/, '');
  if (root && path !== root && !path.startsWith(`${root}/`)) return null;
  return join(mount.mountPoint, path.slice(root.length));
}

/**
 * Where a process's CPU counter is: cgroup v1's cpuacct hierarchy when the process is in one
 * (hybrid hosts mount both; v1 is where the controllers are), else the v2 hierarchy.
 */
export function cgroupCpuOf(procCgroup: string, mountinfo: string): CgroupCpu | null {
  const lines = parseProcCgroup(procCgroup);
  const mounts = parseCgroupMounts(mountinfo);
  const v1 = lines.find((l) => l.hierarchy !== 0 && l.controllers.includes('cpuacct'));
  if (v1) {
    for (const m of mounts) {
      if (m.fsType !== 'cgroup' || !m.superOptions.includes('cpuacct')) continue;
      const dir = under(m, v1.path);
      if (dir) return { kind: 'v1', dir, file: join(dir, 'cpuacct.usage') };
    }
  }
  const v2 = lines.find((l) => l.hierarchy === 0 && l.controllers.length === 0);
  if (v2) {
    for (const m of mounts) {
      if (m.fsType !== 'cgroup2') continue;
      const dir = under(m, v2.path);
      if (dir) return { kind: 'v2', dir, file: join(dir, 'cpu.stat') };
    }
  }
  return null;
}

/** CPU seconds of a cgroup from its counter file's text. */
export function parseCgroupCpuSeconds(kind: CgroupCpu['kind'], text: string): number | null {
  if (kind === 'v1') {
    const t = text.trim();
    return /^\d+$/.test(t) ? Number(t) / 1e9 : null;
  }
  const m = /^usage_usec (\d+)$/m.exec(text);
  return m ? Number(m[1]) / 1e6 : null;
}

/** Received bytes of every interface of a /proc/<pid>/net/dev (the netns it shows). */
export function parseNetDevRxTotal(text: string): number | null {
  let total = 0;
  let any = false;
  for (const line of text.split('\n')) {
    const m = /^\s*([^:\s]+):\s*(\d+)/.exec(line);
    if (!m) continue;
    total += Number(m[2]);
    any = true;
  }
  return any ? total : null;
}

/** docker-proxy's target address ("-container-ip 10.231.7.3"), from its NUL-separated cmdline. */
export function dockerProxyTarget(cmdline: string): string | null {
  const args = cmdline.split('\0');
  if (!/(^|\/)docker-proxy$/.test(args[0] ?? '')) return null;
  const i = args.indexOf('-container-ip');
  return i >= 0 ? (args[i + 1] ?? null) : null;
}

/** Is this cmdline the embedded Toxiproxy server (harness/cli/toxiproxy.ts)? */
export function isToxiproxyServer(cmdline: string): boolean {
  return cmdline.split('\0').some((a) => /(^|\/)harness\/cli\/toxiproxy\.ts$/.test(a));
}

export interface RunContainer {
  id: string;
  role: string;
  tier: TierName | 'node';
  pid: number;
  cgroup: CgroupCpu;
  /** Its addresses on docker networks (docker-proxy targets them). */
  ips: string[];
}

export interface DockerTierCpu {
  reader: TierCpuReader;
  containers: RunContainer[];
  /** Host processes read per process: docker-proxy of the run's published ports, the Toxiproxy child. */
  hostProcesses: Array<{ pid: number; tier: TierName }>;
  /** The cgroup version read ('v1' cpuacct.usage, 'v2' cpu.stat). */
  cgroupKind: CgroupCpu['kind'];
  /** CPU seconds the node containers used besides PHP-FPM and nginx, so far (for the last reading). */
  nodeOtherS(): number;
}

export interface DockerTierCpuOptions {
  read?: ReadText;
  listPids?: () => string[];
  /** The process whose children may be the run's Toxiproxy (this process). */
  harnessPid?: number;
}

/**
 * Finds the containers of a run and returns a reader of their CPU per tier. Throws when a
 * container's cgroup counter cannot be found or read (a remote daemon, no cgroup mount): the
 * caller reports the demands as missing, with the reason.
 */
export async function dockerTierCpu(runId: string, opts: DockerTierCpuOptions = {}): Promise<DockerTierCpu> {
  const read = opts.read ?? readProcText;
  const listPids = opts.listPids ?? (() => readdirSync('/proc').filter((e) => /^\d+$/.test(e)));
  const hz = clockTicks();
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const listed = await docker.listContainers({ filters: JSON.stringify({ label: [`${LABEL_RUN}=${runId}`], status: ['running'] }) });
  const mountinfo = read('/proc/self/mountinfo');
  const containers: RunContainer[] = [];
  for (const c of listed) {
    const role = c.Labels?.[LABEL_ROLE] ?? '';
    const tier = tierOfRole(role);
    if (!tier) continue;
    const info = await docker.getContainer(c.Id).inspect();
    const pid = info.State.Pid;
    if (!(pid > 0)) throw new Error(`container ${role} (${c.Id.slice(0, 12)}) has no running process`);
    let procCgroup: string;
    try {
      procCgroup = read(`/proc/${pid}/cgroup`);
    } catch {
      throw new Error(`container ${role}: its process ${pid} is not in this host's /proc (the docker daemon runs elsewhere)`);
    }
    const cgroup = cgroupCpuOf(procCgroup, mountinfo);
    if (!cgroup) throw new Error(`container ${role}: no cgroup CPU counter for process ${pid} (no cpuacct or cgroup2 mount)`);
    parseOrThrow(cgroup, read, role);
    const ips = Object.values(info.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress).filter((ip): ip is string => Boolean(ip));
    containers.push({ id: c.Id, role, tier, pid, cgroup, ips });
  }
  if (containers.length === 0) throw new Error(`no running container of run ${runId}`);
  const kinds = new Set(containers.map((c) => c.cgroup.kind));
  const cgroupKind = kinds.has('v2') ? 'v2' : 'v1';

  // Host processes of the run: docker-proxy toward one of its containers, the Toxiproxy child of this process.
  const ips = new Set(containers.flatMap((c) => c.ips));
  const harnessPid = opts.harnessPid ?? process.pid;
  const hostProcesses: DockerTierCpu['hostProcesses'] = [];
  for (const pid of listPids()) {
    let cmdline: string;
    try {
      cmdline = read(`/proc/${pid}/cmdline`);
    } catch {
      continue;
    }
    const target = dockerProxyTarget(cmdline);
    if (target && ips.has(target)) hostProcesses.push({ pid: Number(pid), tier: 'docker-proxy' });
    else if (isToxiproxyServer(cmdline)) {
      try {
        const stat = read(`/proc/${pid}/stat`);
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === harnessPid) hostProcesses.push({ pid: Number(pid), tier: 'toxiproxy' });
      } catch {
        /* exited */
      }
    }
  }

  // The run's bridge device: br-<first 12 of the network id> unless the network names another.
  let bridgeRxFile: string | null = null;
  try {
    const nets = await docker.listNetworks({ filters: JSON.stringify({ label: [`${LABEL_RUN}=${runId}`] }) });
    const net = nets[0];
    if (net) bridgeRxFile = `/sys/class/net/${net.Options?.['com.docker.network.bridge.name'] ?? `br-${net.Id.slice(0, 12)}`}/statistics/rx_bytes`;
  } catch {
    bridgeRxFile = null;
  }
  return { ...containerTierCpu({ containers, hostProcesses, bridgeRxFile, read, hz }), containers, hostProcesses, cgroupKind };
}

export interface ContainerTierCpuInput {
  containers: readonly RunContainer[];
  hostProcesses: DockerTierCpu['hostProcesses'];
  /** /sys/class/net/<bridge>/statistics/rx_bytes of the run's network; null: no network figure. */
  bridgeRxFile: string | null;
  read: ReadText;
  hz: number;
  pageBytes?: number;
}

/** The reader over containers already found (dockerTierCpu); `read` is injectable for tests. */
export function containerTierCpu(input: ContainerTierCpuInput): Pick<DockerTierCpu, 'reader' | 'nodeOtherS'> {
  const { containers, hostProcesses, bridgeRxFile, read, hz } = input;
  const pageBytes = input.pageBytes ?? 4096;
  let nodeOther = 0;
  return {
    nodeOtherS: () => nodeOther,
    reader: {
      read(): CpuReading {
        const tiers: Partial<Record<TierName, number>> = {};
        /** A tier with any part unreadable has no figure (not a low one). */
        const broken = new Set<TierName>();
        const add = (tier: TierName, s: number) => (tiers[tier] = (tiers[tier] ?? 0) + s);
        let phpProcesses = 0;
        let phpRssBytes = 0;
        let other = 0;
        let netBytes: number | null = 0;
        for (const c of containers) {
          let total: number | null = null;
          try {
            total = parseCgroupCpuSeconds(c.cgroup.kind, read(c.cgroup.file));
          } catch {
            total = null;
          }
          if (c.tier !== 'node') {
            if (total === null) broken.add(c.tier);
            else add(c.tier, total);
          } else {
            let pids: string[];
            try {
              pids = read(join(c.cgroup.dir, 'cgroup.procs')).split('\n').filter((p) => /^\d+$/.test(p));
            } catch {
              broken.add('php-fpm');
              broken.add('node-web');
              pids = [];
            }
            let classified = 0;
            for (const pid of pids) {
              let text: string;
              try {
                text = read(`/proc/${pid}/stat`);
              } catch {
                continue; // exited meanwhile
              }
              const stat = parsePidStat(text);
              const tier = tierOfComm(commOf(text) ?? '');
              if (!stat || !tier) continue;
              add(tier, stat.ticks / hz);
              classified += stat.ticks / hz;
              if (tier === 'php-fpm') {
                phpProcesses++;
                phpRssBytes += phpMemoryOf(read, pid) ?? stat.rssPages * pageBytes;
              }
            }
            if (total !== null) other += Math.max(0, total - classified);
          }
          if (netBytes !== null) {
            try {
              const rx = parseNetDevRxTotal(read(`/proc/${c.pid}/net/dev`));
              netBytes = rx === null ? null : netBytes + rx;
            } catch {
              netBytes = null;
            }
          }
        }
        for (const p of hostProcesses) {
          try {
            const stat = parsePidStat(read(`/proc/${p.pid}/stat`));
            if (stat) add(p.tier, stat.ticks / hz);
            else broken.add(p.tier);
          } catch {
            broken.add(p.tier);
          }
        }
        for (const t of broken) delete tiers[t];
        nodeOther = other;
        try {
          const lo = parseLoopbackBytes(read('/proc/net/dev'));
          const bridge = bridgeRxFile ? Number(read(bridgeRxFile).trim()) : Number.NaN;
          netBytes = netBytes !== null && lo !== null && Number.isFinite(bridge) ? netBytes + lo + bridge : null;
        } catch {
          netBytes = null;
        }
        return { ...harnessAndHost(read, hz), tiers, phpProcesses, phpRssBytes, loBytes: netBytes };
      },
    },
  };
}

function parseOrThrow(cgroup: CgroupCpu, read: ReadText, role: string): void {
  let text: string;
  try {
    text = read(cgroup.file);
  } catch (error) {
    throw new Error(`container ${role}: cannot read ${cgroup.file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (parseCgroupCpuSeconds(cgroup.kind, text) === null) throw new Error(`container ${role}: ${cgroup.file} holds no CPU usage`);
}
