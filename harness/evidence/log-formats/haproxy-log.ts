/**
 * HAProxy's log as the harness configures it (`log stdout format iso local0`, see
 * topology/config/haproxy-config.ts): `2026-12-05T10:22:17.498824+00:00 message`, the offset
 * written out. Messages are server state changes, the health checks behind them
 * (`option log-health-checks`) and, `option dontlog-normal`, only requests that went wrong
 * (`option httplog`). HAProxy also prints warnings and alerts to stderr as
 * `[WARNING]  (pid) : ...` without a time: those lines are untimed (the same message is in
 * the timed log).
 */
import type { KindRule, LogFormatParser } from './log-format.js';
import { zonedEpochMs } from './log-time.js';

// An httplog line: `... www php_nodes/node-2 0/0/0/4/4 502 289 - - SC-- 32/32/22/4/+1 0/0 "GET ..."`:
// the four termination-state flags (first: who ended it, second: in which phase) and the
// retries field, `+` when the request was redispatched to another server.
const ended = (flags: string) => new RegExp(` ${flags} \\d+/\\d+/\\d+/\\d+/\\+?\\d+ `);

export const haproxyRules: readonly KindRule[] = [
  { pattern: /Server \S+ is (DOWN|going DOWN for maintenance|stopped)/, kind: 'server-down' },
  { pattern: /Server \S+ is UP/, kind: 'server-up' },
  { pattern: /has no server available!|\/<NOSRV> /, kind: 'no-live-upstream' },
  { pattern: /Health check for server \S+ failed, reason: Layer[47] timeout/, kind: 'upstream-timeout' },
  { pattern: /Health check for server \S+ failed, reason: Layer4 connection problem/, kind: 'upstream-connect-failed' },
  { pattern: ended('sC..'), kind: 'upstream-timeout' },
  { pattern: ended('SC..'), kind: 'upstream-connect-failed' },
  { pattern: ended('s[HD]..'), kind: 'upstream-timeout' },
  { pattern: ended('S[HD]..'), kind: 'upstream-reset' },
  // A request redispatched by `retry-on conn-failure empty-response 503`: its first server
  // failed it (a refused connection, mostly) and it went to another one.
  { pattern: / \d+\/\d+\/\d+\/\d+\/\+\d+ /, kind: 'upstream-connect-failed' },
];

const stamp = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2}) /;

export const haproxyLog: LogFormatParser = {
  format: 'haproxy',
  resolutionMs: 1,
  rules: haproxyRules,
  timeReader() {
    return (line) => {
      const m = stamp.exec(line);
      if (!m) return null;
      const ms = m[7] ? Math.floor(Number(m[7].slice(0, 3).padEnd(3, '0'))) : 0;
      return zonedEpochMs({ year: +m[1]!, month: +m[2]! - 1, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!, ms }, m[8]!);
    };
  },
};
