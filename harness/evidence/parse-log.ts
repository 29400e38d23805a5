/**
 * One log's text into timestamped evidence events. The format's parser (log-formats/) reads
 * times and names kinds; this loop owns what every format shares: line splitting, the
 * 500-character cap, entries that span lines, and never throwing on a line it cannot read.
 */
import { HarnessError } from '../errors.js';
import type { EvidenceEvent, LogFormat, ParsedLog } from './evidence-types.js';
import { kindOf } from './log-formats/log-format.js';
import { getLogFormatParser } from './log-formats/log-format-registry.js';

export const MAX_LINE_CHARS = 500;

export function parseLog(source: { component: string; format: LogFormat; zone?: string }, text: string): ParsedLog {
  const parser = getLogFormatParser(source.format);
  if (!parser) throw new HarnessError(`no parser for log format "${source.format}" (component ${source.component})`);
  const timeOf = parser.timeReader(source.zone);
  const events: EvidenceEvent[] = [];
  let untimed = 0;
  let last: EvidenceEvent | undefined;
  let start = 0;
  const end = text.length;
  while (start < end) {
    let stop = text.indexOf('\n', start);
    if (stop === -1) stop = end;
    // Cap before anything else looks at it: a runaway line costs no more than a short one.
    const raw = text.slice(start, Math.min(stop, start + MAX_LINE_CHARS * 2));
    start = stop + 1;
    const line = raw.trim().slice(0, MAX_LINE_CHARS);
    const atMs = line === '' ? null : timeOf(line);
    if (atMs !== null) {
      last = { atMs, component: source.component, format: source.format, kind: kindOf(parser.rules, line), line };
      const count = parser.countOf?.(line);
      if (count !== undefined && count !== 1) last.count = count;
      events.push(last);
    } else if (last && line !== '' && parser.continuesEntry?.(raw)) {
      // Part of the entry above (a stack trace): kept with it, as long as it fits.
      if (last.line.length < MAX_LINE_CHARS) last.line = `${last.line}\n${line}`.slice(0, MAX_LINE_CHARS);
    } else {
      untimed++;
    }
  }
  return { events, untimed, resolutionMs: parser.resolutionMs };
}
