/**
 * php-fpm's own log (error_log of php-fpm.conf): `[05-Dec-2026 10:15:53] WARNING: [pool www]
 * server reached pm.max_children setting (5), consider raising it`, in local time; with
 * log_level debug the seconds carry microseconds.
 */
import type { KindRule, LogFormatParser } from './log-format.js';
import { bracketStampReader, monthIndex, wallClock, type WallClock } from './log-time.js';

export const phpFpmRules: readonly KindRule[] = [
  { pattern: /reached (pm\.)?max_children setting|seems busy \(you may need to increase/, kind: 'worker-pool-exhausted' },
  // request_terminate_timeout: the master kills the child itself, the exit line follows.
  { pattern: /child \d+ exited on signal|execution timed out \([^)]*\), terminating/, kind: 'worker-killed' },
  { pattern: /said into std(err|out): "?PHP (Fatal|Parse) error/, kind: 'php-fatal' },
  { pattern: /said into std(err|out): "?PHP Warning/, kind: 'php-warning' },
];

const stamp = /^\[(\d{2})-([A-Z][a-z]{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?\]/;

function converter(epochMs: (t: WallClock) => number | null) {
  return (text: string): number | null => {
    const m = stamp.exec(text);
    if (!m) return null;
    const month = monthIndex(m[2]!);
    if (month === undefined) return null;
    const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
    return epochMs({ year: +m[3]!, month, day: +m[1]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!, ms });
  };
}

export const phpFpmLog: LogFormatParser = {
  format: 'php-fpm',
  resolutionMs: 1000,
  rules: phpFpmRules,
  timeReader: (zone) => bracketStampReader(converter(wallClock(zone)), 40),
};
