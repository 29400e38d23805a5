/**
 * Redis 7's log: `1234:M 05 Dec 2026 10:15:53.123 # message` (pid, role C/M/S/X, local time
 * to the ms, level . - * #), and the signal handler's `1234:signal-handler (1796466276)
 * Received SIGTERM scheduling shutdown...` stamped in epoch seconds.
 */
import type { KindRule, LogFormatParser } from './log-format.js';
import { monthIndex, wallClock } from './log-time.js';

export const redisRules: readonly KindRule[] = [
  { pattern: /Redis is starting/, kind: 'redis-restart' },
  // "the new maxmemory value ... will result in key eviction and/or the inability to accept
  // new write commands", a failed allocation or fork.
  { pattern: /\bOOM\b|Out Of Memory|Cannot allocate memory|maxmemory/, kind: 'redis-oom' },
  { pattern: /FAIL message received|Cluster state changed: fail|Marking node \S+ as failing/, kind: 'cluster-down' },
  // Promotions of a replica and the old master stepping down; not the configEpoch a fresh
  // cluster is given at creation (CLUSTER SET-CONFIG-EPOCH).
  { pattern: /Failover election won|configEpoch set to \d+ after successful failover|Manual failover|Reconfiguring myself as a replica/, kind: 'cluster-failover' },
  { pattern: /MASTER timeout|Timeout connecting to the MASTER/, kind: 'redis-timeout' },
  { pattern: /Connection with (master|replica) \S* ?lost|Error condition on socket for SYNC/, kind: 'redis-connection-failed' },
  // RDB and AOF on disk; not the RDB streamed to a replica for a sync.
  { pattern: /DB saved on disk|Background saving (started|terminated)|Saving the final RDB snapshot|changes in \d+ seconds\. Saving|DB loaded from|Creating AOF|Background append only file rewriting|Background AOF rewrite|AOF rewrite|Reading RDB base file|Error (saving|moving|trying to save) DB|Can't save in background|Asynchronous AOF fsync/, kind: 'redis-persistence' },
];

const stamp = /^\d+:[CMSX] (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d{3}) /;
const signalStamp = /^\d+:signal-handler \((\d{9,11})\) /;

export const redisLog: LogFormatParser = {
  format: 'redis',
  resolutionMs: 1,
  rules: redisRules,
  timeReader(zone) {
    const epochMs = wallClock(zone);
    return (line) => {
      const m = stamp.exec(line);
      if (m) {
        const month = monthIndex(m[2]!);
        if (month === undefined) return null;
        return epochMs({ year: +m[3]!, month, day: +m[1]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!, ms: +m[7]! });
      }
      const s = signalStamp.exec(line);
      return s ? Number(s[1]) * 1000 : null;
    };
  },
};
