/**
 * Redis's INFO counters as the evidence probe samples them (redis-info-sampler.ts): one line
 * per counter that grew between two samples a second apart, `<epoch ms> <counter> +<growth>
 * (<from> -> <to>)`, each standing for <growth> occurrences; a new run_id is a restart.
 */
import type { KindRule, LogFormatParser } from './log-format.js';

export const redisInfoRules: readonly KindRule[] = [
  { pattern: /^\d+ evicted_keys \+/, kind: 'redis-evicted' },
  { pattern: /^\d+ rejected_connections \+/, kind: 'redis-connection-rejected' },
  { pattern: /^\d+ errorstat_OOM \+/, kind: 'redis-oom' },
  { pattern: /^\d+ errorstat_(CLUSTERDOWN|MASTERDOWN) \+/, kind: 'cluster-down' },
  { pattern: /^\d+ (errorstat_LOADING \+|run_id changed)/, kind: 'redis-restart' },
];

const stamp = /^(\d{12,14}) /;
const growth = / \+(\d+) /;

export const redisInfoLog: LogFormatParser = {
  format: 'redis-info',
  resolutionMs: 1000,
  rules: redisInfoRules,
  timeReader: () => (line) => {
    const m = stamp.exec(line);
    return m ? Number(m[1]) : null;
  },
  countOf: (line) => Number(growth.exec(line)?.[1] ?? 1),
};
