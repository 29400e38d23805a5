/** The summary's evidence lines: what the logs said, and what explains the biggest window of trouble. */
import type { RunResult } from '../results/result-schema.js';

const MAX_LINE = 160;
const clip = (text: string) => (text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text);

export function evidenceLines(r: RunResult): string[] {
  const e = r.evidence;
  if (!e) return [];
  const read = e.sources.filter((s) => s.status === 'read').length;
  const missing = e.sources.filter((s) => s.status === 'unreadable').map((s) => `${s.component} ${s.format}`);
  const kinds = Object.entries(e.kinds)
    .filter(([kind]) => kind !== 'other')
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .slice(0, 4)
    .map(([kind, n]) => `${kind} ${n}`);
  const lines = [
    `  evidence   ${kinds.length ? kinds.join(' · ') : 'no known kind of event'} (${read} of ${e.sources.length} logs with lines${missing.length ? `; unreadable: ${missing.join(', ')}` : ''})`,
  ];
  if (e.answers && e.answers.answersWithWarnings > 0) {
    const top = e.answers.top.slice(0, 3).map((k) => `${k.kind} ${k.count}`);
    lines.push(`  warnings   ${e.answers.answersWithWarnings} answers carried PHP warnings: ${top.join(' · ')} (also in PHP's error log)`);
  }
  // The first two windows of trouble, each with its leading kind and one line.
  const windows = e.windows.filter((w) => w.reason === 'anomalies' && w.top.length > 0).slice(0, 2);
  for (const w of windows) {
    const lead = w.top[0]!;
    const sample = lead.examples[0];
    lines.push(`  why        ${w.label}: ${lead.kind} ×${lead.count}${sample ? ` — ${sample.component}: ${clip(sample.line)}` : ''}`);
  }
  return lines;
}
