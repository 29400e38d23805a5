/**
 * The PHP warnings each answer carries in its JSON (the app's `warnings`: what session_start()
 * and session_write_close() raised for that very request), classified with the PHP error log's
 * rules. Kept apart from the log events: with log_errors on the same warning is in the PHP
 * error log too, and counting both would double it. What they add is the tie: this warning,
 * this user, this answer, this node.
 */
import type { EvidenceExample, EvidenceSection } from './evidence-section.js';
import type { EvidenceKind } from './evidence-types.js';
import { kindOf } from './log-formats/log-format.js';
import { phpErrorRules } from './log-formats/php-error-log.js';
import { MAX_EXAMPLES, MAX_TOP_KINDS } from './tie-evidence.js';

/** Warnings kept per user (its first ones: a lost user's story starts there). */
export const MAX_USER_WARNINGS = 3;

/** A warning no rule knows is still a PHP warning (the app collects warnings only). */
export function answerWarningKind(message: string): EvidenceKind {
  const kind = kindOf(phpErrorRules, message);
  return kind === 'other' ? 'php-warning' : kind;
}

export class AnswerWarnings {
  private readonly counts = new Map<EvidenceKind, number>();
  private readonly examples = new Map<EvidenceKind, EvidenceExample[]>();
  private readonly byUser = new Map<number, EvidenceExample[]>();
  private answers = 0;

  add(userIndex: number, tMs: number, node: string | null, warnings: readonly string[]): void {
    if (warnings.length === 0) return;
    this.answers++;
    let own = this.byUser.get(userIndex);
    for (const message of warnings) {
      const kind = answerWarningKind(message);
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      const example = { t: Math.round(tMs), component: node ?? 'answer', kind, line: message.slice(0, 500) };
      const list = this.examples.get(kind) ?? [];
      if (list.length < MAX_EXAMPLES) this.examples.set(kind, [...list, example]);
      if (!own) this.byUser.set(userIndex, (own = []));
      if (own.length < MAX_USER_WARNINGS) own.push(example);
    }
  }

  ofUser(userIndex: number): EvidenceExample[] {
    return this.byUser.get(userIndex) ?? [];
  }

  summary(): NonNullable<EvidenceSection['answers']> {
    const top = [...this.counts].sort(([, a], [, b]) => b - a).slice(0, MAX_TOP_KINDS);
    return {
      answersWithWarnings: this.answers,
      kinds: Object.fromEntries(this.counts),
      top: top.map(([kind, count]) => ({ kind, count, examples: this.examples.get(kind) ?? [] })),
    };
  }
}
