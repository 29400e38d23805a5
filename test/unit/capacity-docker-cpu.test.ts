/**
 * CPU per tier on the docker provider, from fixture texts: /proc/<pid>/cgroup and
 * /proc/self/mountinfo → the container's counter file (cgroup v1 cpuacct on a hybrid host,
 * cgroup v2, a namespaced mount root), the counters' units, process classification inside a
 * node container by command name, docker-proxy and Toxiproxy recognised on the host, and the
 * reader over a fake /proc: every tier, a node's entrypoint left out, a vanished container
 * leaving its tier without a figure rather than with a low one. Also --provider.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cgroupCpuOf,
  commOf,
  containerTierCpu,
  dockerProxyTarget,
  isToxiproxyServer,
  parseCgroupCpuSeconds,
  parseCgroupMounts,
  parseNetDevRxTotal,
  parseProcCgroup,
  tierOfComm,
  tierOfRole,
  type RunContainer,
} from '../../harness/capacity/docker-tier-cpu.js';
import { cpuBetween } from '../../harness/capacity/tier-cpu.js';
import { bottleneckOf, predictSaturation, tierDemands } from '../../harness/capacity/service-demand.js';
import { parseCapacityArgs } from '../../harness/capacity/capacity-options.js';

const ID = 'f3b1c0a9d2e47788aa11bb22cc33dd44ee55ff6677889900aabbccddeeff0011';

// A hybrid host (docker 20.10, cgroupfs driver, cgroup v1 + the unified hierarchy), as on this machine.
const HYBRID_MOUNTINFO = [
  '1201 1180 0:63 / /sys/fs/cgroup ro,nosuid,nodev,noexec - tmpfs tmpfs ro,mode=755',
  '1202 1201 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate',
  '1203 1201 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,xattr,name=systemd',
  '1205 1201 0:31 / /sys/fs/cgroup/cpu rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpu',
  '1206 1201 0:32 / /sys/fs/cgroup/cpuacct rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,cpuacct',
  '1207 1201 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime - cgroup cgroup rw,memory',
  '1300 1180 0:5 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw',
].join('\n');
const HYBRID_CGROUP = `9:name=systemd:/docker/${ID}\n4:memory:/docker/${ID}\n2:cpuacct:/docker/${ID}\n1:cpu:/docker/${ID}\n0::/docker/${ID}\n`;

// A cgroup v2 host with the systemd driver.
const V2_MOUNTINFO = '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const V2_CGROUP = `0::/system.slice/docker-${ID}.scope\n`;

test('roles and command names map to tiers', () => {
  assert.equal(tierOfRole('node-1'), 'node');
  assert.equal(tierOfRole('node-12'), 'node');
  assert.equal(tierOfRole('balancer'), 'balancer');
  assert.equal(tierOfRole('redis'), 'redis');
  assert.equal(tierOfRole('redis-3'), 'redis');
  assert.equal(tierOfRole('network'), null);
  assert.equal(tierOfRole('nodes'), null);
  assert.equal(tierOfComm('php-fpm8.2'), 'php-fpm');
  assert.equal(tierOfComm('php-fpm'), 'php-fpm');
  assert.equal(tierOfComm('nginx'), 'node-web');
  assert.equal(tierOfComm('entrypoint.sh'), null);
  assert.equal(tierOfComm('bash'), null);
  assert.equal(commOf('77 (php-fpm8.2) S 1 77 77 0 -1'), 'php-fpm8.2');
  assert.equal(commOf('78 (a (b) c) R 1'), 'a (b) c');
});

test('/proc/<pid>/cgroup and mountinfo: the v1 cpuacct counter on a hybrid host', () => {
  const lines = parseProcCgroup(HYBRID_CGROUP);
  assert.deepEqual(lines.find((l) => l.hierarchy === 2), { hierarchy: 2, controllers: ['cpuacct'], path: `/docker/${ID}` });
  assert.deepEqual(lines.find((l) => l.hierarchy === 0), { hierarchy: 0, controllers: [], path: `/docker/${ID}` });
  const mounts = parseCgroupMounts(HYBRID_MOUNTINFO);
  assert.equal(mounts.length, 5, 'tmpfs and proc are not cgroup mounts');
  assert.deepEqual(cgroupCpuOf(HYBRID_CGROUP, HYBRID_MOUNTINFO), {
    kind: 'v1',
    dir: `/sys/fs/cgroup/cpuacct/docker/${ID}`,
    file: `/sys/fs/cgroup/cpuacct/docker/${ID}/cpuacct.usage`,
  });
  // "cpu,cpuacct" co-mounted (most v1 distributions).
  const coMounted = '40 30 0:35 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n';
  assert.equal(cgroupCpuOf(`4:cpu,cpuacct:/docker/${ID}\n`, coMounted)?.file, `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}/cpuacct.usage`);
});

test('cgroup v2: cpu.stat of the container scope; a namespaced mount root is stripped; no mount: null', () => {
  assert.deepEqual(cgroupCpuOf(V2_CGROUP, V2_MOUNTINFO), {
    kind: 'v2',
    dir: `/sys/fs/cgroup/system.slice/docker-${ID}.scope`,
    file: `/sys/fs/cgroup/system.slice/docker-${ID}.scope/cpu.stat`,
  });
  // The hierarchy mounted from /docker (a cgroup namespace's view): paths below it are relative to it.
  const nsMount = '50 40 0:26 /docker /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n';
  assert.equal(cgroupCpuOf(`0::/docker/${ID}\n`, nsMount)?.dir, `/sys/fs/cgroup/${ID}`);
  assert.equal(cgroupCpuOf(`0::/elsewhere/${ID}\n`, nsMount), null, 'a cgroup outside the mounted subtree');
  assert.equal(cgroupCpuOf(V2_CGROUP, HYBRID_MOUNTINFO.split('\n').filter((l) => !l.includes('cgroup2')).join('\n')), null);
  // An escaped space in a mount point.
  assert.equal(parseCgroupMounts('60 1 0:26 / /mnt/cg\\040two rw - cgroup2 cgroup2 rw\n')[0]!.mountPoint, '/mnt/cg two');
});

test('counter units: cpuacct.usage in ns, cpu.stat usage_usec in µs', () => {
  assert.equal(parseCgroupCpuSeconds('v1', '4883963469576\n'), 4883.963469576);
  assert.equal(parseCgroupCpuSeconds('v2', 'usage_usec 4821804000\nuser_usec 3027124000\nsystem_usec 1794680000\nnr_periods 0\n'), 4821.804);
  assert.equal(parseCgroupCpuSeconds('v1', 'garbage'), null);
  assert.equal(parseCgroupCpuSeconds('v2', 'user_usec 5\n'), null);
});

test('host processes: docker-proxy toward a container, the embedded Toxiproxy; net/dev of a container', () => {
  const proxy = ['/usr/sbin/docker-proxy', '-proto', 'tcp', '-host-ip', '127.0.0.1', '-host-port', '32771', '-container-ip', '10.231.7.3', '-container-port', '80', ''].join('\0');
  assert.equal(dockerProxyTarget(proxy), '10.231.7.3');
  assert.equal(dockerProxyTarget(['node', 'x.js', '-container-ip', '10.0.0.1'].join('\0')), null);
  assert.equal(isToxiproxyServer(['/usr/bin/node', '--import', 'tsx', '/work/main/harness/cli/toxiproxy.ts', '--host', '10.231.7.1', ''].join('\0')), true);
  assert.equal(isToxiproxyServer(['/usr/bin/node', '--import', 'tsx', '/work/main/harness/cli/capacity.ts', ''].join('\0')), false);
  const netDev = 'Inter-|   Receive                            |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes\n    lo:  1000      10    0    0    0     0          0         0  1000\n  eth0: 25000     100    0    0    0     0          0         0  9000\n';
  assert.equal(parseNetDevRxTotal(netDev), 26_000);
  assert.equal(parseNetDevRxTotal('Inter-|\n face |\n'), null);
});

/** A fake /proc + /sys: path -> text (a function for texts that change between readings). */
function fakeFs(files: Record<string, string | (() => string)>) {
  return (path: string): string => {
    const f = files[path];
    if (f === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return typeof f === 'function' ? f() : f;
  };
}
/** A /proc/<pid>/stat line with utime, stime, cutime, cstime ticks and rss pages. */
const stat = (pid: number, comm: string, ut: number, st: number, cut = 0, cst = 0, rss = 1000) =>
  `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194624 0 0 0 0 ${ut} ${st} ${cut} ${cst} 20 0 1 0 100 1000000 ${rss} 18446744073709551615`;

const container = (role: string, tier: RunContainer['tier'], pid: number, kind: 'v1' | 'v2'): RunContainer => {
  const dir = `/cg/${role}`;
  return { id: role, role, tier, pid, cgroup: { kind, dir, file: `${dir}/${kind === 'v1' ? 'cpuacct.usage' : 'cpu.stat'}` }, ips: [] };
};

test('the reader: node processes by name, balancer and Redis by cgroup, docker-proxy on the host, a vanished container', () => {
  let phase = 0; // 0: first reading, 1: second
  const at = <T>(a: T, b: T) => () => String(phase === 0 ? a : b);
  const files: Record<string, string | (() => string)> = {
    // node-1: entrypoint (bash), php-fpm master + 2 workers, nginx master + worker; the cgroup counts them all.
    '/cg/node-1/cgroup.procs': '100\n101\n102\n103\n110\n111\n',
    '/cg/node-1/cpuacct.usage': at(5e9, 9e9), // 5 s -> 9 s
    '/proc/100/stat': stat(100, 'entrypoint.sh', 10, 10),
    '/proc/101/stat': at(stat(101, 'php-fpm8.2', 20, 10, 30, 10), stat(101, 'php-fpm8.2', 20, 10, 80, 20)), // a reaped worker: +60 children ticks
    '/proc/102/stat': at(stat(102, 'php-fpm8.2', 100, 20), stat(102, 'php-fpm8.2', 200, 40)), // +120
    '/proc/103/stat': at(stat(103, 'php-fpm8.2', 50, 10), stat(103, 'php-fpm8.2', 120, 20)), // +80
    '/proc/110/stat': stat(110, 'nginx', 1, 1),
    '/proc/111/stat': at(stat(111, 'nginx', 30, 30), stat(111, 'nginx', 60, 60)), // +60
    '/proc/102/smaps_rollup': 'Rss: 9000 kB\nPss:                8192 kB\n',
    // balancer (v1) and Redis (v2): the cgroup is the tier.
    '/cg/balancer/cpuacct.usage': at(1e9, 1.5e9),
    '/cg/redis/cpu.stat': at('usage_usec 2000000\nuser_usec 1\n', 'usage_usec 2800000\nuser_usec 1\n'),
    // docker-proxy on the host.
    '/proc/900/stat': at(stat(900, 'docker-proxy', 100, 100), stat(900, 'docker-proxy', 150, 150)), // +100 ticks
    // networks: containers' interfaces, host loopback, the bridge.
    '/proc/100/net/dev': at(' lo: 100 1\n eth0: 1000 1\n', ' lo: 600 1\n eth0: 3000 1\n'),
    '/proc/200/net/dev': at(' eth0: 50 1\n', ' eth0: 550 1\n'),
    '/proc/300/net/dev': ' eth0: 0 0\n',
    '/proc/net/dev': at('    lo: 10 0\n', '    lo: 1010 0\n'),
    '/sys/br/rx_bytes': at('7\n', '107\n'),
    '/proc/stat': at('cpu  100 0 100 800 0 0 0 0 0 0\n', 'cpu  300 0 300 1000 0 0 0 0 0 0\n'),
  };
  const { reader, nodeOtherS } = containerTierCpu({
    containers: [container('node-1', 'node', 100, 'v1'), container('balancer', 'balancer', 200, 'v1'), container('redis', 'redis', 300, 'v2')],
    hostProcesses: [{ pid: 900, tier: 'docker-proxy' }],
    bridgeRxFile: '/sys/br/rx_bytes',
    read: fakeFs(files),
    hz: 100,
  });
  const a = reader.read();
  phase = 1;
  const b = reader.read();
  const w = cpuBetween(a, b);
  const near = (x: number | undefined, y: number, what: string) => assert.ok(x !== undefined && Math.abs(x - y) < 1e-9, `${what}: ${x} != ${y}`);
  near(w.tiers['php-fpm'], 2.6, 'php-fpm: (60 + 120 + 80) ticks');
  near(w.tiers['node-web'], 0.6, 'nginx: 60 ticks');
  near(w.tiers.balancer, 0.5, 'balancer cgroup');
  near(w.tiers.redis, 0.8, 'redis cgroup');
  near(w.tiers['docker-proxy'], 1.0, 'docker-proxy');
  assert.equal(w.tiers.toxiproxy, undefined, 'no Toxiproxy: no figure');
  // Node container: 9 s in its cgroup; its php-fpm and nginx processes hold 130 + 240 + 140 + 2 + 120 ticks: the rest (entrypoint, docker exec) is not a tier.
  near(nodeOtherS(), 9 - 6.32, 'node container besides php-fpm and nginx');
  assert.equal(b.phpProcesses, 3);
  assert.equal(b.phpRssBytes, 8192 * 1024 + 2 * 1000 * 4096, 'PSS where readable, else RSS');
  assert.equal(w.loBytes, 2500 + 500 + 0 + 1000 + 100, 'every hop once: containers + host lo + bridge');
  assert.ok(w.hostBusyCores >= 0);

  // The node's cgroup directory vanished (container removed): its tiers have no figure, the others still do.
  delete files['/cg/node-1/cgroup.procs'];
  delete files['/cg/node-1/cpuacct.usage'];
  delete files['/proc/100/net/dev'];
  delete files['/cg/redis/cpu.stat'];
  const c = reader.read();
  assert.equal(c.tiers.redis, undefined, 'Redis gone: no figure');
  assert.equal(c.tiers['php-fpm'], undefined);
  assert.equal(c.tiers['node-web'], undefined);
  assert.equal(c.tiers.balancer, 1.5);
  assert.equal(c.loBytes, null, 'a container unreadable: no network figure');
  const w2 = cpuBetween(b, c);
  assert.equal(w2.tiers['php-fpm'], undefined, 'a tier missing from a reading is left out, not zero');
});

test('docker-proxy and the harness are measuring cost: never the bottleneck, but they use the host CPU', () => {
  const d = tierDemands({ 'php-fpm': 2, 'node-web': 0.5, 'docker-proxy': 3, harness: 4, redis: 0.4 }, 2, 2000);
  assert.equal(bottleneckOf(d)!.tier, 'php-fpm');
  const p = predictSaturation(d, 2)!;
  // ΣD = (2 + 0.5 + 3 + 4 + 0.4) / 2000 s per request.
  assert.ok(Math.abs(p.constraints[0]!.rate - 2 / (9.9 / 2000)) < 1e-6, JSON.stringify(p));
});

test('--provider: local or docker overrides the scenario; anything else exits 104 naming the flag', () => {
  const ok = ['redis-failover', '--target-rps', '3000', '--p99', '250ms'];
  assert.equal(parseCapacityArgs(ok)!.provider, null);
  assert.equal(parseCapacityArgs([...ok, '--provider', 'docker'])!.provider, 'docker');
  assert.equal(parseCapacityArgs([...ok, '--provider', 'local'])!.provider, 'local');
  for (const bad of ['external', 'Docker', '']) {
    assert.throws(
      () => parseCapacityArgs([...ok, '--provider', bad]),
      (e: Error & { exitCode?: number }) => /^--provider ".*": expected one of local, docker$/.test(e.message) && !e.message.includes('\n'),
    );
  }
});

test('a tier of several containers (Redis Cluster) with one unreadable has no figure, not a smaller one', () => {
  const files: Record<string, string> = {
    '/cg/redis-1/cpu.stat': 'usage_usec 3000000\n',
    '/cg/redis-2/cpu.stat': 'usage_usec 1000000\n',
    '/proc/net/dev': '    lo: 0 0\n',
    '/proc/stat': 'cpu  1 0 1 8 0 0 0 0 0 0\n',
  };
  const { reader } = containerTierCpu({
    containers: [container('redis-1', 'redis', 401, 'v2'), container('redis-2', 'redis', 402, 'v2')],
    hostProcesses: [],
    bridgeRxFile: null,
    read: fakeFs(files),
    hz: 100,
  });
  assert.equal(reader.read().tiers.redis, 4);
  delete files['/cg/redis-2/cpu.stat'];
  assert.equal(reader.read().tiers.redis, undefined);
});
