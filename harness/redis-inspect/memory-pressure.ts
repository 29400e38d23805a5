/** Redis's own counters of memory pressure: keys it evicted (INFO stats) and commands it refused for lack of memory (INFO errorstats). */
import type { Redis } from 'ioredis';

export interface MemoryPressureCounters {
  evictedKeys: number;
  oomRejections: number;
}

export async function readMemoryPressureCounters(client: Redis): Promise<MemoryPressureCounters> {
  const [stats, errors] = await Promise.all([client.info('stats'), client.info('errorstats')]);
  return {
    evictedKeys: Number(/^evicted_keys:(\d+)/m.exec(stats)?.[1] ?? 0),
    oomRejections: Number(/^errorstat_OOM:count=(\d+)/m.exec(errors)?.[1] ?? 0),
  };
}
