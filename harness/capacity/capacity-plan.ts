/**
 * The plan's arithmetic, pure: nodes from the PHP node's service demand, pm.max_children from
 * Little's law, Redis throughput against its measured single-thread ceiling, Redis memory from
 * stored sessions (Little's law) x measured bytes per session. Every figure carries the
 * measurement it came from.
 */
import { maxChildrenFor, newSessionRate, storedSessions } from './little-law.js';
import { sessionMemoryBytes } from './session-memory.js';
import type { CapacityResult } from './capacity-schema.js';
import type { TierName } from './service-demand.js';

export const MAX_CHILDREN_HEADROOM = 2;
/** maxmemory above the sessions' own bytes: fragmentation, client and replication buffers, peaks. */
export const MAXMEMORY_HEADROOM = 1.5;

export interface PlanInput {
  targetRps: number;
  users: number;
  visitSpanS: number;
  gcMaxlifetimeS: number;
  coresPerNode: number;
  utilization: number;
  /** ms of CPU per request on a PHP node (PHP-FPM + its web server), and where it was measured. */
  nodeDemandMs: number | null;
  demandSource: string;
  /** The tier with the largest demand. */
  bottleneck: TierName | null;
  bottleneckDemandMs: number | null;
  /** Mean time a request holds a PHP worker (ms), and which step it was measured at. */
  meanServiceMs: number | null;
  meanServiceSource: string;
  phpRssPerProcessBytes: number | null;
  redisDemandMs: number | null;
  redisCommandsPerRequest: number | null;
  bytesPerSession: number | null;
  bytesPerSessionSource: string;
  networkBytesPerRequest: number | null;
  /** Where the network figure was read (default: the host's loopback, the local provider's). */
  networkSource?: string;
  redisNetBytesPerRequest: number | null;
  /** Best knee measured (rate, node count); null when no step met the objective. */
  bestKnee: { rate: number; nodes: number } | null;
  usesRedis: boolean;
}

type Figure = CapacityResult['plan']['nodes'];
const fig = (value: number | null, unit: string, source: string): Figure => ({ value: value === null || !Number.isFinite(value) ? null : value, unit, source });

export const evictionPolicies: CapacityResult['plan']['evictionPolicies'] = [
  { policy: 'noeviction', consequence: 'a full Redis refuses every write: session_write_close() fails (phpredis throws OOM: a 500), logins and carts stop saving; nobody is logged out' },
  { policy: 'volatile-lru / allkeys-lru', consequence: 'the least recently used sessions are evicted: idle users are logged out silently, and each new session evicts another' },
  { policy: 'volatile-lfu / allkeys-lfu', consequence: 'rarely used sessions go first: new users (one visit so far) are logged out before regulars' },
  { policy: 'volatile-ttl', consequence: 'sessions nearest their expiry go first: the least harmful for sessions (those users were about to expire anyway)' },
  { policy: 'volatile-random / allkeys-random', consequence: 'any session may go, an active user\'s too: random logouts' },
];

export function makePlan(p: PlanInput): CapacityResult['plan'] {
  const nodes = p.nodeDemandMs === null ? null : Math.max(1, Math.ceil((p.targetRps * (p.nodeDemandMs / 1000)) / (p.coresPerNode * p.utilization)));
  const maxChildren = nodes === null || p.meanServiceMs === null ? null : maxChildrenFor(p.targetRps / nodes, p.meanServiceMs / 1000, MAX_CHILDREN_HEADROOM);
  const phpMemory = maxChildren === null || p.phpRssPerProcessBytes === null ? null : (maxChildren + 1) * p.phpRssPerProcessBytes;
  const redisOps = p.usesRedis && p.redisCommandsPerRequest !== null ? p.targetRps * p.redisCommandsPerRequest : null;
  const redisCeilingRps = p.usesRedis && p.redisDemandMs !== null && p.redisDemandMs > 0 ? 1000 / p.redisDemandMs : null;
  const redisCeilingOps = redisCeilingRps !== null && p.redisCommandsPerRequest !== null ? redisCeilingRps * p.redisCommandsPerRequest : null;
  const redisUtil = p.usesRedis && p.redisDemandMs !== null ? (p.targetRps * p.redisDemandMs) / 1000 : null;
  const stored = p.usesRedis ? storedSessions(newSessionRate(p.users, p.visitSpanS), p.visitSpanS, p.gcMaxlifetimeS) : null;
  const memory = stored !== null && p.bytesPerSession !== null ? sessionMemoryBytes(stored, p.bytesPerSession) : null;
  const maxmemory = memory === null ? null : Math.ceil((memory * MAXMEMORY_HEADROOM) / 1048576) * 1048576;

  const problems: string[] = [];
  if (p.bestKnee === null) problems.push('no step met the objective on this host');
  else if (p.targetRps > p.bestKnee.rate)
    problems.push(`${p.targetRps} req/s is above what any node count tested reached here (best ${Math.round(p.bestKnee.rate)} req/s with ${p.bestKnee.nodes} node(s))`);
  if (redisUtil !== null && redisUtil > p.utilization)
    problems.push(`one Redis would be ${Math.round(redisUtil * 100)}% busy (one thread, ceiling ${Math.round(redisCeilingRps!)} req/s): more PHP nodes cannot fix that; shard sessions (Redis Cluster)`);
  const bottleneckText = p.bottleneck ? `bottleneck: ${p.bottleneck} (${p.bottleneckDemandMs?.toFixed(3)} ms of CPU per request, the largest demand)` : 'bottleneck: unknown (no demand measured)';
  const reachable = problems.length === 0;
  const verdict = reachable
    ? `reachable: ${nodes} node(s) of ${p.coresPerNode} core(s) at <= ${Math.round(p.utilization * 100)}% CPU; ${bottleneckText}`
    : `UNREACHABLE as measured: ${problems.join('; ')}; ${bottleneckText}.${nodes !== null ? ` The node count below is extrapolated from the service demands, not measured.` : ''}`;

  return {
    reachable,
    verdict,
    bottleneck: p.bottleneck,
    nodes: fig(nodes, 'nodes', `ceil(R x D_node / (cores x utilization)) = ceil(${p.targetRps} x ${p.nodeDemandMs?.toFixed(3)} ms / (${p.coresPerNode} x ${p.utilization})); D_node = PHP-FPM + node nginx CPU per request, ${p.demandSource}`),
    maxChildren: fig(maxChildren, 'workers per node', `Little's law: (R / nodes) x mean service time ${p.meanServiceMs?.toFixed(2)} ms (${p.meanServiceSource}) x headroom ${MAX_CHILDREN_HEADROOM}`),
    phpMemoryPerNode: fig(phpMemory, 'bytes', `(max_children + master) x ${p.phpRssPerProcessBytes === null ? '?' : Math.round(p.phpRssPerProcessBytes)} B per PHP-FPM process (PSS from /proc/<pid>/smaps_rollup at the end of the knee step; this app is small: a real app's workers are larger)`),
    redisOpsPerSec: fig(redisOps, 'commands/s', `R x ${p.redisCommandsPerRequest?.toFixed(2)} Redis commands per request (INFO commandstats during the steps)`),
    redisCeilingOpsPerSec: fig(redisCeilingOps, 'commands/s', `one Redis thread: 1 / D_redis = ${redisCeilingRps === null ? '?' : Math.round(redisCeilingRps)} req/s (D_redis ${p.redisDemandMs?.toFixed(4)} ms CPU per request, /proc)`),
    redisUtilization: fig(redisUtil, 'share of one core', 'R x D_redis (utilization law)'),
    storedSessions: fig(stored, 'sessions', `Little's law: new sessions ${p.users} users / ${p.visitSpanS} s visit span x (visit span + gc_maxlifetime ${p.gcMaxlifetimeS} s)`),
    redisMemoryBytes: fig(memory, 'bytes', `stored sessions x ${p.bytesPerSession?.toFixed(1)} B per session (${p.bytesPerSessionSource})`),
    maxmemoryBytes: fig(maxmemory, 'bytes', `sessions' memory x ${MAXMEMORY_HEADROOM} (fragmentation, buffers, peaks; an assumption), rounded up to MiB`),
    networkBytesPerRequest: fig(p.networkBytesPerRequest, 'bytes/request', p.networkSource ?? 'loopback interface bytes during the knee step / requests (every hop: client, balancer, node, PHP-FPM, Redis; other processes on lo included)'),
    redisNetBytesPerRequest: fig(p.redisNetBytesPerRequest, 'bytes/request', 'Redis INFO total_net_input_bytes + total_net_output_bytes during the knee step / requests'),
    evictionPolicies,
  };
}
