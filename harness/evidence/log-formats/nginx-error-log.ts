/**
 * nginx's error log: `2026/12/05 10:15:53 [error] 123#123: *45 connect() failed (111:
 * Connection refused) while connecting to upstream, ...`, in local time. Both the balancer's
 * nginx (upstream = a node) and a node's nginx (upstream = its PHP-FPM) write it.
 */
import type { KindRule, LogFormatParser } from './log-format.js';
import { memoizeLast, wallClock } from './log-time.js';

export const nginxErrorRules: readonly KindRule[] = [
  { pattern: /no live upstreams/, kind: 'no-live-upstream' },
  { pattern: /upstream timed out/, kind: 'upstream-timeout' },
  { pattern: /connect\(\) (to \S+ )?failed/, kind: 'upstream-connect-failed' },
  { pattern: /\(104: Connection reset by peer\)|upstream prematurely closed|\(32: Broken pipe\) while (sending|reading)/, kind: 'upstream-reset' },
  { pattern: /FastCGI sent in stderr: "PHP message: PHP (Fatal|Parse) error/, kind: 'php-fatal' },
  { pattern: /FastCGI sent in stderr: "PHP message: PHP Warning/, kind: 'php-warning' },
];

const stamp = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

function converter(zone: string | undefined) {
  const epochMs = wallClock(zone);
  return (text: string): number | null => {
    const m = stamp.exec(text);
    if (!m) return null;
    return epochMs({ year: +m[1]!, month: +m[2]! - 1, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]!, ms: 0 });
  };
}

export const nginxErrorLog: LogFormatParser = {
  format: 'nginx-error',
  resolutionMs: 1000,
  rules: nginxErrorRules,
  timeReader(zone) {
    const cached = memoizeLast(converter(zone));
    // "2026/12/05 10:15:53" is the first 19 characters, a space after it.
    return (line) => (line.length > 19 && line.charCodeAt(19) === 32 ? cached(line.slice(0, 19)) : null);
  },
};
