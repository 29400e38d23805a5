/**
 * Machine limits `npm run doctor` checks up front, before a run hits them (the guards catch
 * them during a run): the conntrack table against the connection rate a run can reach, the
 * open-files limit, the ephemeral port range. Pure functions of /proc texts (ReadText), each
 * with the command that fixes it.
 *
 * Assumptions (stated in every message):
 * - a request opens up to ~3 new loopback connections (balancer -> node, node nginx ->
 *   PHP-FPM, PHP -> Redis; keep-alive reuses some, Toxiproxy links add more);
 * - conntrack keeps a closed connection CONNTRACK TIME_WAIT seconds
 *   (nf_conntrack_tcp_timeout_time_wait, 120 by default);
 * - ~3,000 req/s is the ceiling of this stack on a small machine (measured: 3,300 req/s on 2
 *   cores for redis-failover).
 */
import { CONNTRACK_PATHS, conntrackFix } from './conntrack.js';
import { parseIntegerFile, parseLimit, tryRead, type ReadText } from './proc-files.js';

export const CONNECTIONS_PER_REQUEST = 3;
export const CEILING_RPS = 3000;
/** HAProxy's maxconn 8192 needs two descriptors per proxied connection; nginx has worker_connections 4096. */
export const MIN_OPEN_FILES = 16_384;
/** Narrower than this is "narrow" (Linux's default 32768-60999 has 28,232). */
export const MIN_PORTS = 16_384;
/** TCP's own TIME_WAIT (fixed in Linux): a port to one destination stays taken this long without tcp_tw_reuse. */
export const TCP_TIME_WAIT_S = 60;

export interface LimitFinding {
  name: string;
  level: 'ok' | 'warn' | 'info';
  message: string;
  /** The command that fixes it (warnings). */
  fix?: string;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function conntrackEntriesNeeded(timeWaitS: number): number {
  return CONNECTIONS_PER_REQUEST * timeWaitS * CEILING_RPS;
}

/**
 * `active`: conntrack tracks this network namespace's traffic (its count is above 0 or grew
 * with a loopback connection); null when unknown.
 */
export function conntrackFinding(read: ReadText, active: boolean | null): LimitFinding {
  const name = 'conntrack';
  const count = tryRead(read, CONNTRACK_PATHS.count);
  if (!count.ok) return { name, level: 'ok', message: `not loaded (${count.reason}): nothing tracks loopback connections` };
  const max = tryRead(read, CONNTRACK_PATHS.max);
  if (!max.ok) return { name, level: 'info', message: `loaded, but its table size cannot be read: ${max.reason}` };
  let maxN: number;
  let countN: number;
  try {
    maxN = parseIntegerFile(max.text, CONNTRACK_PATHS.max);
    countN = parseIntegerFile(count.text, CONNTRACK_PATHS.count);
  } catch (error) {
    return { name, level: 'info', message: (error as Error).message };
  }
  const tw = tryRead(read, CONNTRACK_PATHS.timeWait);
  const timeWaitS = tw.ok && /^\d+$/.test(tw.text.trim()) ? Number(tw.text.trim()) : 120;
  const needed = conntrackEntriesNeeded(timeWaitS);
  const assumption = `~${CONNECTIONS_PER_REQUEST} new connections per request × ${timeWaitS} s TIME_WAIT${tw.ok ? '' : ' (assumed: nf_conntrack_tcp_timeout_time_wait unreadable)'} × ${fmt(CEILING_RPS)} req/s`;
  const table = `table ${fmt(maxN)} entries (${fmt(countN)} in use), a run can need ~${fmt(needed)} (${assumption})`;
  if (maxN >= needed) return { name, level: 'ok', message: `${active === false ? 'loaded, not tracking this namespace now; ' : ''}${table}` };
  if (active === false) {
    return {
      name,
      level: 'info',
      message: `loaded but not tracking this namespace's traffic now (count stays ${fmt(countN)}); once Docker or a stateful iptables rule starts it, the ${table}`,
      fix: conntrackFix(maxN, needed).replace('raise the table: ', ''),
    };
  }
  const fill = Math.max(1, Math.round(maxN / (CONNECTIONS_PER_REQUEST * CEILING_RPS)));
  return {
    name,
    level: 'warn',
    message: `active, ${table}: it fills in ~${fill} s at full load and the kernel drops packets (runs end invalid)`,
    fix: conntrackFix(maxN, needed).replace('raise the table: ', ''),
  };
}

export function openFilesFinding(read: ReadText): LimitFinding {
  const name = 'open files';
  const limits = tryRead(read, '/proc/self/limits');
  if (!limits.ok) return { name, level: 'info', message: `limit unknown: ${limits.reason}` };
  const row = parseLimit(limits.text, 'Max open files');
  if (!row) return { name, level: 'info', message: 'limit unknown: no "Max open files" row in /proc/self/limits' };
  const soft = row.soft;
  const hard = row.hard === null ? 'unlimited' : fmt(row.hard);
  if (soft === null || soft >= MIN_OPEN_FILES) return { name, level: 'ok', message: `ulimit -n ${soft === null ? 'unlimited' : fmt(soft)} (hard ${hard}); the servers need ~${fmt(MIN_OPEN_FILES)}` };
  const raise = row.hard === null || row.hard >= 65_536 ? 'ulimit -n 65536' : `ulimit -n ${fmt(row.hard).replace(/,/g, '')} now (the hard limit), and raise the hard limit: nofile 65536 in /etc/security/limits.conf or LimitNOFILE=65536`;
  return {
    name,
    level: 'warn',
    message: `ulimit -n ${fmt(soft)} (hard ${hard}) is low: HAProxy's maxconn 8192 needs 2 descriptors a connection, nginx has worker_connections 4096 (need ${fmt(MIN_OPEN_FILES)}); the servers inherit the harness's limit`,
    fix: `${raise} in the shell that runs the harness`,
  };
}

export function portRangeFinding(read: ReadText): LimitFinding {
  const name = 'ephemeral ports';
  const range = tryRead(read, '/proc/sys/net/ipv4/ip_local_port_range');
  if (!range.ok) return { name, level: 'info', message: `range unknown: ${range.reason}` };
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(range.text);
  if (!m) return { name, level: 'info', message: `range unreadable: ${JSON.stringify(range.text.trim())}` };
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  const ports = hi - lo + 1;
  const reuseText = tryRead(read, '/proc/sys/net/ipv4/tcp_tw_reuse');
  const reuse = reuseText.ok && /^\d+$/.test(reuseText.text.trim()) ? Number(reuseText.text.trim()) : null;
  const base = `${lo}-${hi} = ${fmt(ports)} ports, tcp_tw_reuse ${reuse ?? 'unknown'}`;
  const fixes: string[] = [];
  const problems: string[] = [];
  if (ports < MIN_PORTS) {
    problems.push(`narrower than ${fmt(MIN_PORTS)} ports`);
    fixes.push('sysctl -w net.ipv4.ip_local_port_range="1024 65535"');
  }
  if (reuse === 0) {
    // Every request opens a connection to Redis's one port: without reuse each port stays taken 60 s.
    problems.push(`TIME_WAIT ports are not reused: ${fmt(CEILING_RPS)} req/s to Redis's one port × ${TCP_TIME_WAIT_S} s TIME_WAIT needs ~${fmt(CEILING_RPS * TCP_TIME_WAIT_S)} ports`);
    fixes.push('sysctl -w net.ipv4.tcp_tw_reuse=1');
  }
  if (problems.length === 0) return { name, level: 'ok', message: base };
  return { name, level: 'warn', message: `${base}: ${problems.join('; ')} (EADDRNOTAVAIL: runs end invalid)`, fix: fixes.join('; ') };
}

/**
 * Whether conntrack tracks this namespace's traffic: its count is above 0, or grows when a few
 * loopback connections are made. null when it is not loaded.
 */
export async function probeConntrackActive(read: ReadText): Promise<boolean | null> {
  const count = () => {
    const t = tryRead(read, CONNTRACK_PATHS.count);
    return t.ok && /^\d+$/.test(t.text.trim()) ? Number(t.text.trim()) : null;
  };
  const before = count();
  if (before === null) return null;
  if (before > 0) return true;
  const { createServer, connect } = await import('node:net');
  const server = createServer((socket) => socket.destroy());
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as import('node:net').AddressInfo).port;
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => s.end());
        s.once('close', () => resolve());
        s.once('error', () => resolve());
      });
    }
  } catch {
    return null;
  } finally {
    server.close();
  }
  const after = count();
  return after !== null && after > before;
}
