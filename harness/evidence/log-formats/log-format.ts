/** What one log format's parser is: how a line's time is read and which rules name its kind. */
import type { EvidenceKind, LogFormat } from '../evidence-types.js';

/** A rule as data: the first rule whose pattern matches a line gives the line its kind. */
export interface KindRule {
  pattern: RegExp;
  kind: EvidenceKind;
}

export interface LogFormatParser {
  format: LogFormat;
  /** ms between two successive timestamps this format can write. */
  resolutionMs: number;
  /** Ordered: specific rules before general ones. Lines no rule knows are `other`. */
  rules: readonly KindRule[];
  /**
   * A reader for one parse (it may remember the last timestamp it converted): epoch ms of a
   * line that opens an entry, null when the line has no readable timestamp. `zone`: the zone
   * of the log's local-time stamps (LogSource.zone; absent: this host's).
   */
  timeReader(zone?: string): (line: string) => number | null;
  /** How many occurrences a line stands for (a counter's growth); absent: one. */
  countOf?(line: string): number;
  /** Whether an untimed line belongs to the entry before it (a PHP stack trace). */
  continuesEntry?(line: string): boolean;
}

export function kindOf(rules: readonly KindRule[], line: string): EvidenceKind {
  for (const rule of rules) if (rule.pattern.test(line)) return rule.kind;
  return 'other';
}
