/** The gate verdict as Markdown, usable as a GitHub Actions step summary. */
import type { GateVerdict } from './gate-types.js';
import { summaryLine } from './render-text.js';

const icon = (passed: boolean | null) => (passed === true ? '✅' : passed === false ? '❌' : '❔');

/** Escapes a table cell: pipes would split it, newlines would end the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
}

/** Code spans show their text literally (no entities), so only pipes and newlines are escaped. */
function code(text: string): string {
  if (text === '') return '';
  if (text.includes('`')) return cell(text);
  return `\`${text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

export function renderMarkdown(v: GateVerdict): string {
  const lines = [`### ${v.passed ? '✅' : '❌'} Performance gate ${cell(summaryLine(v))}`, ''];
  if (v.warnings.length > 0) lines.push(...v.warnings.map((w) => `> ⚠️ ${cell(w)}`), '');
  if (v.checks.length === 0) {
    lines.push('No checks: the result has no thresholds and no baseline was given.', '');
    return lines.join('\n');
  }
  lines.push('| | Check | Metric | Expression / limit | Actual | Baseline |', '|---|---|---|---|---|---|');
  for (const c of v.checks) {
    lines.push(
      `| ${icon(c.passed)} | ${c.kind} | ${cell(c.metric)} | ${code(c.display.expression)} | ${cell(c.display.actual)} | ${cell(c.display.baseline)} |`,
    );
  }
  const notes = v.checks.filter((c) => c.passed !== true);
  if (notes.length > 0) {
    lines.push('');
    for (const c of notes) lines.push(`- ${icon(c.passed)} **${cell(c.metric)}** ${code(c.expression)}: ${cell(c.message)}`);
  }
  if (v.baselines.length > 0) {
    lines.push('', `<details><summary>Baselines (${v.baselines.length})</summary>`, '');
    for (const b of v.baselines) lines.push(`- ${code(b.runId)} — ${code(b.path)}`);
    lines.push('', '</details>');
  }
  lines.push('');
  return lines.join('\n');
}
