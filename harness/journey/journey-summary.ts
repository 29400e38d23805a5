/** The summary's journey lines: per step its verdicts, and the first failure with its reason and an excerpt of the answer. */
import type { RunResult } from '../results/result-schema.js';

export function journeyLines(r: Pick<RunResult, 'journey'>): string[] {
  if (!r.journey) return [];
  const lines = [`  journey    logged-out answers are counted as reset (${r.journey.outcomeMapping}); final read: step ${r.journey.finalRead}`];
  for (const s of r.journey.steps) {
    const first = s.failures[0];
    lines.push(
      `  step       ${s.phase === 'once' ? 'once ' : ''}${s.name}: ${s.requests} · ok ${s.ok} · logged-out ${s.loggedOut} · error ${s.error} · leak ${s.leak}` +
        (s.extractFailed || s.checkFailed ? ` (extraction found nothing ${s.extractFailed}, check failed ${s.checkFailed})` : '') +
        (first ? ` — first: ${first.user} at ${(first.t / 1000).toFixed(1)} s, status ${first.status}, ${first.reason}; answer: "${first.excerpt.slice(0, 120)}"` : ''),
    );
  }
  return lines;
}
