/** Shapes the inspection and command-stats diff into result.json's `redis` section. */
import type { CommandStatsDiff } from './command-stats.js';
import type { RedisSessionInspection } from './session-inspection.js';

export interface RedisResultSection {
  keys: number;
  users: number;
  ttlMinS: number | null;
  ttlMaxS: number | null;
  keysWithoutTtl: number;
  bytesPerSession: number | null;
  opsPerSec: number | null;
  commandsPerRequest: number | null;
  perCommand: Record<string, number>;
  ttlCheck: { passed: boolean; message: string };
}

export function redisResultSection(inspection: RedisSessionInspection, stats: CommandStatsDiff | null): RedisResultSection {
  return {
    keys: inspection.keys,
    users: inspection.users,
    ttlMinS: inspection.ttlMinS,
    ttlMaxS: inspection.ttlMaxS,
    keysWithoutTtl: inspection.keysWithoutTtl,
    bytesPerSession: inspection.bytesPerSession,
    opsPerSec: stats ? Math.round(stats.opsPerSec * 10) / 10 : null,
    commandsPerRequest: stats?.commandsPerRequest ?? null,
    perCommand: stats?.perCommand ?? {},
    ttlCheck: inspection.ttlCheck,
  };
}
