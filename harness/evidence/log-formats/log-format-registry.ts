/** Log parsers by format. Adding a format is one module, its name in logFormats, one line here. */
import { logFormats, type EvidenceKind, type LogFormat } from '../evidence-types.js';
import { haproxyLog } from './haproxy-log.js';
import type { LogFormatParser } from './log-format.js';
import { nginxAccessLog } from './nginx-access-log.js';
import { nginxErrorLog } from './nginx-error-log.js';
import { phpErrorLog } from './php-error-log.js';
import { phpFpmLog } from './php-fpm-log.js';
import { redisLog } from './redis-log.js';
import { redisInfoLog } from './redis-info-log.js';
import { redisLatencyLog } from './redis-latency-log.js';

const parsers: readonly LogFormatParser[] = [phpErrorLog, phpFpmLog, nginxErrorLog, nginxAccessLog, haproxyLog, redisLog, redisLatencyLog, redisInfoLog];

const byFormat = new Map<string, LogFormatParser>(parsers.map((p) => [p.format, p]));

export function getLogFormatParser(format: LogFormat): LogFormatParser | undefined {
  return byFormat.get(format);
}

/** Formats of evidence-types.ts that no parser reads (empty unless a module is missing). */
export function formatsWithoutParser(): LogFormat[] {
  return logFormats.filter((f) => !byFormat.has(f));
}

/** The formats with a rule for `kind`: where an event of that kind can be logged. */
export function formatsThatLog(kind: EvidenceKind): LogFormat[] {
  return parsers.filter((p) => p.rules.some((r) => r.kind === kind)).map((p) => p.format);
}
