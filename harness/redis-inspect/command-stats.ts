/**
 * Redis throughput seen from the server: INFO commandstats + total_commands_processed
 * sampled before and after a workload, diffed into ops/s and commands per request.
 */
import { withRedis, type RedisTarget } from './redis-connection.js';

export interface CommandStatsSample {
  /** Date.now() when the sample was taken. */
  takenAtMs: number;
  totalCommandsProcessed: number;
  /** Command name (lower case; `client|setname` style for subcommands) -> counters. */
  commands: Record<string, { calls: number; usec: number }>;
}

export interface CommandStatsDiff {
  durationMs: number;
  /** Commands executed between the samples, the sampler's own INFO calls excluded. */
  totalCommands: number;
  opsPerSec: number;
  /** totalCommands / requests (null when requests is 0). */
  commandsPerRequest: number | null;
  /** Calls per command between the samples (commands with no calls omitted). */
  perCommand: Record<string, number>;
  /** true when a counter went down (Redis restarted or CONFIG RESETSTAT): numbers are since then. */
  counterReset: boolean;
}

/** Commands the sampler itself sends; never counted as workload. */
const OWN_COMMANDS = new Set(['info']);

/** Parses the text of `INFO commandstats` (and optionally `INFO stats`). */
export function parseCommandStats(info: string, takenAtMs = Date.now()): CommandStatsSample {
  const commands: CommandStatsSample['commands'] = {};
  let totalCommandsProcessed = 0;
  for (const raw of info.split('\n')) {
    const line = raw.trim();
    const m = /^cmdstat_([^:]+):(.*)$/.exec(line);
    if (m) {
      const fields = Object.fromEntries(m[2]!.split(',').map((kv) => kv.split('=') as [string, string]));
      commands[m[1]!.toLowerCase()] = { calls: Number(fields.calls ?? 0), usec: Number(fields.usec ?? 0) };
      continue;
    }
    const t = /^total_commands_processed:(\d+)$/.exec(line);
    if (t) totalCommandsProcessed = Number(t[1]);
  }
  return { takenAtMs, totalCommandsProcessed, commands };
}

export async function sampleCommandStats(redis: RedisTarget): Promise<CommandStatsSample> {
  return withRedis(redis, async (client) => {
    // Two sections in two calls: multi-section INFO needs Redis >= 7.
    const commandstats = await client.info('commandstats');
    const stats = await client.info('stats');
    return parseCommandStats(`${commandstats}\n${stats}`);
  });
}

export function diffCommandStats(
  before: CommandStatsSample,
  after: CommandStatsSample,
  context: { requests: number; durationMs?: number },
): CommandStatsDiff {
  const durationMs = context.durationMs ?? after.takenAtMs - before.takenAtMs;
  let counterReset = after.totalCommandsProcessed < before.totalCommandsProcessed;
  for (const [name, a] of Object.entries(after.commands)) {
    if (a.calls < (before.commands[name]?.calls ?? 0)) counterReset = true;
  }
  const perCommand: Record<string, number> = {};
  let totalCommands = 0;
  for (const [name, a] of Object.entries(after.commands)) {
    if (OWN_COMMANDS.has(name)) continue;
    const calls = counterReset ? a.calls : a.calls - (before.commands[name]?.calls ?? 0);
    if (calls > 0) {
      perCommand[name] = calls;
      totalCommands += calls;
    }
  }
  return {
    durationMs,
    totalCommands,
    opsPerSec: durationMs > 0 ? (totalCommands * 1000) / durationMs : 0,
    commandsPerRequest: context.requests > 0 ? totalCommands / context.requests : null,
    perCommand,
    counterReset,
  };
}
