/**
 * Redis inspection for every run with a Redis store (ioredis, straight to Redis, not through
 * the fault proxies): key count and memory every few seconds during the run; after it, every
 * user's stored session decoded and checked against the HTTP model (the store check), the
 * session keys vs users, their TTLs against session.gc_maxlifetime (and that one use
 * refreshes the TTL), bytes per session, Redis ops/s and commands per request.
 */
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { inspectSessions } from '../redis-inspect/session-inspection.js';
import { diffCommandStats, sampleCommandStats, type CommandStatsSample } from '../redis-inspect/command-stats.js';
import { checkTtlRefreshedByUse, sessionKey } from '../redis-inspect/ttl-refresh.js';
import { checkStoredSessions, compareWithVerdict } from '../redis-inspect/store-check.js';
import { readMemoryPressureCounters, type MemoryPressureCounters } from '../redis-inspect/memory-pressure.js';
import { sessionCounts } from '../checks/session-checker.js';
import { cookieHeader } from '../workload/cookie-jar.js';
import type { Probe, ProbeEnd } from './probe.js';
import type { RedisSection } from './redis-section.js';

export interface RedisProbeOptions {
  /** session.gc_maxlifetime: the TTL every key should have. */
  expectedTtlS: number;
  /** session.serialize_handler of the nodes. */
  serializer: string;
  /** session.name: the cookie holding the session id. */
  cookieName: string;
  /** Bursts mode learns counts by reading: visit_count is not a per-write account there. */
  compareVisitCount: boolean;
  /**
   * The sessions are the built-in app's (false for a journey on your app): only then can they
   * be compared with the model, and only then may the TTL check send a visit of its own.
   */
  builtInApp?: boolean;
  log: (message: string) => void;
}

export class RedisProbe implements Probe<'redis'> {
  readonly section = 'redis' as const;
  private readonly client: Redis;
  private before: CommandStatsSample | null = null;
  private after: CommandStatsSample | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly samples: RedisSection['samples'] = [];
  private startedAt = 0;
  private pressureBefore: MemoryPressureCounters | null = null;

  constructor(
    private readonly address: { host: string; port: number },
    private readonly options: RedisProbeOptions,
  ) {
    // A command timeout: a Redis that stops answering (a heal that failed) fails a reading instead of holding the run.
    this.client = new Redis({ host: address.host, port: address.port, lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 10_000 });
    // A restarted Redis (redis-restart) drops it for a moment: ioredis reconnects; samples missed meanwhile are skipped.
    this.client.on('error', () => {});
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.before = await sampleCommandStats(this.client);
    this.pressureBefore = await readMemoryPressureCounters(this.client);
  }

  /** Called when the workload starts; samples until the load ends. */
  onLoadStart(startedAt: number): void {
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

  /** A Redis restarted by a fault's heal a moment ago: give ioredis's reconnect up to 5 s. */
  private async connected(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 5000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.client.once('ready', done);
    });
  }

  /** The load is over: Redis's counters now, before final reads and checks add their own commands. */
  async onLoadEnd(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.connected();
    this.after = await sampleCommandStats(this.client);
  }

  /** Nothing after a run cut short: its sessions are mid-flight and its final reads were not made. */
  async finish(end: ProbeEnd): Promise<RedisSection | null> {
    if (this.timer) clearInterval(this.timer);
    if (end.aborted) return null;
    const { log, cookieName, expectedTtlS } = this.options;
    log('inspecting Redis (every stored session against the model, keys, TTLs, memory, commands per request)');
    const after = this.after ?? (await sampleCommandStats(this.client));
    const diff = diffCommandStats(this.before!, after, { requests: end.requests, durationMs: end.durationMs });
    // The store check first: the TTL-refresh touch below is one more write the model does not record.
    let storeCheck: RedisSection['storeCheck'];
    let storeCheckError: string | undefined;
    if (this.options.builtInApp !== false) {
      try {
        storeCheck = await checkStoredSessions(this.address, end.users, {
          serializer: this.options.serializer,
          cookieName,
          compareVisitCount: this.options.compareVisitCount,
        });
        log(`store check: ${compareWithVerdict(storeCheck, sessionCounts(end.users)).statement}`);
      } catch (error) {
        storeCheckError = (error as Error).message;
        log(`store check failed: ${storeCheckError}`);
      }
    }
    // Since the start (a restarted Redis counts from its restart: a lower bound then).
    const pressure = await readMemoryPressureCounters(this.client);
    const since = (key: keyof MemoryPressureCounters) => Math.max(0, pressure[key] - (this.pressureBefore?.[key] ?? 0));
    // A session last used at the start of a long run has aged by the whole run.
    const ttlToleranceS = Math.max(60, Math.ceil(end.durationMs / 1000) + 60);
    const inspection = await inspectSessions(this.client, { users: end.users.length, expectedTtlS, ttlToleranceS });
    // One user with a session in Redis: does one more visit push its TTL back up? (A
    // read_and_close read would not: only a write refreshes the key.)
    let ttlRefresh: RedisSection['ttlRefresh'] = null;
    const user = this.options.builtInApp === false ? undefined : end.users.find((u) => u.tokenStored && u.cookies.has(cookieName));
    if (user) {
      const check = await checkTtlRefreshedByUse(this.client, {
        key: sessionKey(user.cookies.get(cookieName)!),
        expectedTtlS,
        touch: async () => {
          const response = await fetch(`${end.baseUrl}/?user=${user.id}`, {
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
      expectedTtlS,
      bytesPerSession: inspection.bytesPerSession,
      opsPerSec: Math.round(diff.opsPerSec * 10) / 10,
      commandsPerRequest: diff.commandsPerRequest === null ? null : Math.round(diff.commandsPerRequest * 100) / 100,
      perCommand: diff.perCommand,
      ttlCheck: inspection.ttlCheck,
      ttlRefresh,
      evictedKeys: since('evictedKeys'),
      oomRejections: since('oomRejections'),
      samples: this.samples,
      ...(storeCheck ? { storeCheck } : {}),
      ...(storeCheckError ? { storeCheckError } : {}),
    };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.client.disconnect();
  }
}
