/**
 * Redis inspection for every run with a Redis store (ioredis, straight to Redis, not through
 * the fault proxies): key count and memory every few seconds during the run; after it, the
 * session keys vs users, their TTLs against session.gc_maxlifetime (and that one use
 * refreshes the TTL), bytes per session, Redis ops/s and commands per request.
 */
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { inspectSessions } from '../redis-inspect/session-inspection.js';
import { diffCommandStats, sampleCommandStats, type CommandStatsSample } from '../redis-inspect/command-stats.js';
import { checkTtlRefreshedByUse, sessionKey } from '../redis-inspect/ttl-refresh.js';
import type { UserModel } from '../checks/session-checker.js';
import { cookieHeader } from '../workload/cookie-jar.js';

export interface RedisSection {
  keys: number;
  users: number;
  lockKeys: number;
  ttlMinS: number | null;
  ttlMaxS: number | null;
  keysWithoutTtl: number;
  expectedTtlS: number;
  bytesPerSession: number | null;
  opsPerSec: number;
  commandsPerRequest: number | null;
  perCommand: Record<string, number>;
  ttlCheck: { passed: boolean; message: string };
  ttlRefresh: { passed: boolean; message: string } | null;
  /** Every 5 s during the run: keys in Redis and used memory. */
  samples: Array<{ t: number; keys: number; usedMemoryBytes: number }>;
}

export class RedisProbe {
  private readonly client: Redis;
  private before: CommandStatsSample | null = null;
  private after: CommandStatsSample | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly samples: RedisSection['samples'] = [];
  private startedAt = 0;

  constructor(
    private readonly address: { host: string; port: number },
    private readonly expectedTtlS: number,
  ) {
    this.client = new Redis({ host: address.host, port: address.port, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    // A restarted Redis (redis-restart) drops it for a moment: ioredis reconnects; samples missed meanwhile are skipped.
    this.client.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.before = await sampleCommandStats(this.client);
  }

  /** Called when the workload starts; samples until finish(). */
  beginSampling(startedAt: number): void {
    this.startedAt = startedAt;
    this.timer = setInterval(() => void this.sample(), 5000);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    try {
      // INFO only: the sampler's own commands are left out of the command counts.
      const [keyspace, memory] = await Promise.all([this.client.info('keyspace'), this.client.info('memory')]);
      const keys = Number(/db0:keys=(\d+)/.exec(keyspace)?.[1] ?? 0);
      const used = Number(/used_memory:(\d+)/.exec(memory)?.[1] ?? 0);
      this.samples.push({ t: Math.round(performance.now() - this.startedAt), keys, usedMemoryBytes: used });
    } catch {
      /* a sample missed is not a failure of the run */
    }
  }

  /** The load is over: Redis's counters now, before final reads and checks add their own commands. */
  async loadEnded(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.after = await sampleCommandStats(this.client);
  }

  async finish(options: { requests: number; durationMs: number; users: UserModel[]; baseUrl: string }): Promise<RedisSection> {
    if (this.timer) clearInterval(this.timer);
    try {
      const after = this.after ?? (await sampleCommandStats(this.client));
      const diff = diffCommandStats(this.before!, after, { requests: options.requests, durationMs: options.durationMs });
      // A session last used at the start of a long run has aged by the whole run.
      const ttlToleranceS = Math.max(60, Math.ceil(options.durationMs / 1000) + 60);
      const inspection = await inspectSessions(this.client, { users: options.users.length, expectedTtlS: this.expectedTtlS, ttlToleranceS });
      // One user with a session in Redis: does one more visit push its TTL back up? (A
      // read_and_close read would not: only a write refreshes the key.)
      let ttlRefresh: RedisSection['ttlRefresh'] = null;
      const user = options.users.find((u) => u.tokenStored && u.cookies.has('PHPSESSID'));
      if (user) {
        const check = await checkTtlRefreshedByUse(this.client, {
          key: sessionKey(user.cookies.get('PHPSESSID')!),
          expectedTtlS: this.expectedTtlS,
          touch: async () => {
            const response = await fetch(`${options.baseUrl}/?user=${user.id}`, {
              headers: { cookie: cookieHeader(user.cookies) },
              signal: AbortSignal.timeout(5000),
            });
            await response.text();
          },
        });
        ttlRefresh = { passed: check.passed, message: check.message };
      }
      return {
        keys: inspection.keys,
        users: inspection.users,
        lockKeys: inspection.lockKeys,
        ttlMinS: inspection.ttlMinS,
        ttlMaxS: inspection.ttlMaxS,
        keysWithoutTtl: inspection.keysWithoutTtl,
        expectedTtlS: this.expectedTtlS,
        bytesPerSession: inspection.bytesPerSession,
        opsPerSec: Math.round(diff.opsPerSec * 10) / 10,
        commandsPerRequest: diff.commandsPerRequest === null ? null : Math.round(diff.commandsPerRequest * 100) / 100,
        perCommand: diff.perCommand,
        ttlCheck: inspection.ttlCheck,
        ttlRefresh,
        samples: this.samples,
      };
    } finally {
      this.client.disconnect();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.client.disconnect();
  }
}
