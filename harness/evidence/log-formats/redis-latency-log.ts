/**
 * Redis's latency monitor as a log: `LATENCY HISTORY` of every event `LATENCY LATEST` knows
 * (command, fork, aof-fsync-always, expire-cycle, eviction-cycle, ...), written by
 * redis-latency-source.ts one sample a line as `<epoch seconds> <event> <ms> ms`. Redis keeps
 * the samples that took at least latency-monitor-threshold ms, at 1 s resolution.
 */
import type { KindRule, LogFormatParser } from './log-format.js';

export const redisLatencyRules: readonly KindRule[] = [{ pattern: /^\d+ \S+ \d+ ms$/, kind: 'redis-slow' }];

const stamp = /^(\d{9,11}) /;

export const redisLatencyLog: LogFormatParser = {
  format: 'redis-latency',
  resolutionMs: 1000,
  rules: redisLatencyRules,
  timeReader: () => (line) => {
    const m = stamp.exec(line);
    return m ? Number(m[1]) * 1000 : null;
  },
};
