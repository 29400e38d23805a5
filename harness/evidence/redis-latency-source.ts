/**
 * Redis's latency monitor read as a log source (format `redis-latency`): every sample of every
 * event it recorded, one line each. Needs latency-monitor-threshold above 0 (the harness's
 * redis-servers run with REDIS_LATENCY_THRESHOLD_MS, topology/config/redis-config.ts).
 */
import { withRedis } from '../redis-inspect/redis-connection.js';
import type { LogSource } from './evidence-types.js';

export function redisLatencySource(component: string, address: { host: string; port: number }): LogSource {
  return {
    component,
    format: 'redis-latency',
    origin: `LATENCY HISTORY on ${address.host}:${address.port}`,
    read: () =>
      withRedis(address, async (client) => {
        // LATENCY LATEST: [event, last-time, last-ms, max-ms] per event seen.
        const latest = (await client.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
        const lines: string[] = [];
        for (const [event] of latest) {
          const history = (await client.call('LATENCY', 'HISTORY', event)) as Array<[number, number]>;
          for (const [at, ms] of history) lines.push(`${at} ${event} ${ms} ms`);
        }
        return lines.join('\n');
      }),
  };
}
