/**
 * PHP's error_log: `[05-Dec-2026 10:15:53 UTC] PHP Warning:  session_start(): ...`, the zone
 * being date.timezone as PHP names it. An uncaught exception's stack trace follows on lines
 * of its own, which belong to the entry above them.
 */
import type { KindRule, LogFormatParser } from './log-format.js';
import { bracketStampReader, monthIndex, zonedEpochMs } from './log-time.js';

// Messages of PHP 8.2's session extension and phpredis 5.3.7 (redis_session.c, library.c,
// cluster_library.c). The more specific cause first: a fatal "Uncaught RedisException: OOM
// command not allowed" is an OOM before it is a fatal.
export const phpErrorRules: readonly KindRule[] = [
  { pattern: /OOM command not allowed/, kind: 'redis-oom' },
  { pattern: /CLUSTERDOWN|Redis Cluster is down|Timed out attempting to find data in the correct node|RedisClusterException/, kind: 'cluster-down' },
  { pattern: /session lock was not successful|Unable to acquire session lock|acquire session lock/i, kind: 'lock-not-acquired' },
  { pattern: /Connection timed out|Operation timed out|read error on connection[^\n]*timed out/i, kind: 'redis-timeout' },
  { pattern: /Connection refused|read error on connection|Redis server went away|socket error on read|Connection lost|Connection reset by peer|No route to host/, kind: 'redis-connection-failed' },
  { pattern: /Failed to read session data/, kind: 'session-read-failed' },
  { pattern: /Failed to write session data/, kind: 'session-write-failed' },
  { pattern: /session_start\(\): (Failed to initialize storage module|Failed to decode session object|Failed to create session ID|Session cannot be started)/, kind: 'session-start-failed' },
  { pattern: /PHP (Fatal|Parse) error/, kind: 'php-fatal' },
  { pattern: /PHP Warning/, kind: 'php-warning' },
];

const stamp = /^\[(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([^\]]+)\]/;

function convert(text: string): number | null {
  const m = stamp.exec(text);
  if (!m) return null;
  const month = monthIndex(m[2]!);
  if (month === undefined) return null;
  return zonedEpochMs({ year: +m[3]!, month, day: +m[1]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!, ms: 0 }, m[7]!);
}

// "Stack trace:", "#0 /path(12): f()", "  thrown in ...", "Next RedisException: ..." of a
// chained exception; anything else without a timestamp is a line of its own.
const continuation = /^(Stack trace:|#\d+ |\s|Next |thrown in )/;

export const phpErrorLog: LogFormatParser = {
  format: 'php-error',
  resolutionMs: 1000,
  rules: phpErrorRules,
  // PHP names its zone in every stamp (date.timezone): the source's zone is not needed.
  timeReader: () => bracketStampReader(convert, 64),
  continuesEntry: (line) => continuation.test(line),
};
