/** The gate verdict as an aligned plain-text table for the terminal. */
import type { GateCheck, GateVerdict } from './gate-types.js';

export function verdictWord(passed: boolean | null): 'PASS' | 'FAIL' | 'UNKNOWN' {
  return passed === true ? 'PASS' : passed === false ? 'FAIL' : 'UNKNOWN';
}

export function summaryLine(v: GateVerdict): string {
  const c = v.counts;
  const base = v.baselines.length > 0 ? `, ${v.baselines.length} baseline run${v.baselines.length === 1 ? '' : 's'}` : '';
  const why = !v.passed && c.failed === 0 && c.unknown > 0 ? ' (a check that could not be evaluated fails the gate; --allow-unknown accepts it)' : '';
  return `${v.passed ? 'passed' : 'FAILED'}: ${v.result.scenario} (run ${v.result.runId}) — ${c.passed} passed, ${c.failed} failed, ${c.unknown} unknown${base}${why}`;
}

export function checkRow(c: GateCheck): string[] {
  return [verdictWord(c.passed), c.kind, c.metric, c.display.expression, c.display.actual, c.display.baseline];
}

export const tableHeader = ['VERDICT', 'CHECK', 'METRIC', 'EXPRESSION / LIMIT', 'ACTUAL', 'BASELINE'];

export function renderText(v: GateVerdict): string {
  const lines = [`Gate ${summaryLine(v)}`, ...v.warnings.map((w) => `warning: ${w}`)];
  if (v.checks.length === 0) {
    lines.push('No checks: the result has no thresholds; add --threshold or --baseline.');
    return lines.join('\n') + '\n';
  }
  const rows = [tableHeader, ...v.checks.map(checkRow)];
  const widths = tableHeader.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  for (const row of rows) {
    lines.push(row.map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length)).join('  ').trimEnd());
  }
  const notes = v.checks.filter((c) => c.passed !== true);
  if (notes.length > 0) {
    lines.push('');
    for (const c of notes) lines.push(`${verdictWord(c.passed)} ${c.metric} ${c.expression}: ${c.message}`);
  }
  return lines.join('\n') + '\n';
}
