/** The gate verdict as JUnit XML: one testcase per check; unknown checks are "skipped". */
import type { GateVerdict } from './gate-types.js';

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function renderJunit(v: GateVerdict): string {
  const c = v.counts;
  const suite = `gate.${v.result.scenario}`;
  const attrs = `tests="${v.checks.length}" failures="${c.failed}" errors="0" skipped="${c.unknown}"`;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="php-session-lab gate" ${attrs}>`,
    `  <testsuite name="${xmlEscape(suite)}" ${attrs} timestamp="${xmlEscape(v.checkedAt)}">`,
    '    <properties>',
    `      <property name="runId" value="${xmlEscape(v.result.runId)}"/>`,
    `      <property name="result" value="${xmlEscape(v.result.path)}"/>`,
    ...v.baselines.map((b) => `      <property name="baseline" value="${xmlEscape(b.path)}"/>`),
    '    </properties>',
  ];
  for (const check of v.checks) {
    const name = `${check.kind} ${check.metric} ${check.expression}`;
    out.push(`    <testcase classname="${xmlEscape(`${suite}.${check.kind}`)}" name="${xmlEscape(name)}" time="0">`);
    const detail = `actual: ${check.display.actual}${check.display.baseline ? `; baseline: ${check.display.baseline}` : ''}`;
    if (check.passed === false) {
      out.push(`      <failure message="${xmlEscape(check.message)}" type="${check.kind}">${xmlEscape(detail)}</failure>`);
    } else if (check.passed === null) {
      out.push(`      <skipped message="${xmlEscape(check.message)}"/>`);
    } else {
      out.push(`      <system-out>${xmlEscape(check.message)}</system-out>`);
    }
    out.push('    </testcase>');
  }
  out.push('  </testsuite>', '</testsuites>', '');
  return out.join('\n');
}
