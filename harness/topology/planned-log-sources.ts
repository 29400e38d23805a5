/**
 * The plan's logs (TopologyPlan.logs) as log sources, the same list for every provider: each
 * provider only says how it reads a file of a component and a component's output. Every Redis
 * also gets its latency monitor read as a log.
 */
import type { LogFormat, LogSource, PlannedLog } from '../evidence/evidence-types.js';
import { redisLatencySource } from '../evidence/redis-latency-source.js';
import type { HostPort } from './plan/plan-topology.js';

export interface LogReaders {
  file(component: string, format: LogFormat, path: string): LogSource;
  output(component: string, format: LogFormat): LogSource;
}

export interface RedisComponent {
  component: string;
  address: HostPort;
}

/** Every redis-server of a topology by component name: `redis`, or the cluster's redis-N. */
export function redisComponentsOf(topology: { redis: HostPort | null; redisCluster: { nodes: ReadonlyArray<HostPort & { name: string }> } | null }): RedisComponent[] {
  return [
    ...(topology.redis ? [{ component: 'redis', address: topology.redis }] : []),
    ...(topology.redisCluster?.nodes.map((n) => ({ component: n.name, address: { host: n.host, port: n.port } })) ?? []),
  ];
}

export function plannedLogSources(logs: readonly PlannedLog[], readers: LogReaders, redis: readonly RedisComponent[]): LogSource[] {
  return [
    ...logs.map((log) => (log.at === 'output' ? readers.output(log.component, log.format) : readers.file(log.component, log.format, log.at.file))),
    ...redis.map((r) => redisLatencySource(r.component, r.address)),
  ];
}
