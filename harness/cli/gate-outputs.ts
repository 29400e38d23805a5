/**
 * The gate's output files (--junit, --json, --summary or $GITHUB_STEP_SUMMARY, and the result
 * file it annotates), named before any work so they can be checked, and rendered together so
 * they are written all-or-nothing (output-paths.ts).
 */
import type { GateVerdict } from '../gate/gate-types.js';
import { renderJunit } from '../gate/render-junit.js';
import { renderMarkdown } from '../gate/render-markdown.js';
import { resultSchema, type RunResult } from '../results/result-schema.js';
import type { PlannedWrite } from '../util/atomic-write.js';
import type { OutputFile } from './output-paths.js';

type GateOutput = OutputFile & { kind: 'junit' | 'json' | 'summary' };

export function gateOutputs(
  args: { junit?: string; json?: string; summary?: string; noSummary: boolean },
  env: NodeJS.ProcessEnv,
): GateOutput[] {
  const out: GateOutput[] = [];
  if (args.junit !== undefined) out.push({ kind: 'junit', label: '--junit', path: args.junit });
  if (args.json !== undefined) out.push({ kind: 'json', label: '--json', path: args.json });
  if (args.summary !== undefined) out.push({ kind: 'summary', label: '--summary', path: args.summary });
  else if (!args.noSummary && env.GITHUB_STEP_SUMMARY) {
    out.push({ kind: 'summary', label: 'GITHUB_STEP_SUMMARY', path: env.GITHUB_STEP_SUMMARY, append: true });
  }
  return out;
}

/** Every output's content; the annotated result is validated like writeResultFile does. */
export function renderGateOutputs(outputs: readonly GateOutput[], verdict: GateVerdict, annotated: { path: string; result: RunResult } | null): PlannedWrite[] {
  const writes: PlannedWrite[] = outputs.map((o) => {
    const data =
      o.kind === 'junit' ? renderJunit(verdict) : o.kind === 'json' ? JSON.stringify(verdict, null, 2) + '\n' : renderMarkdown(verdict) + (o.append ? '\n' : '');
    return { path: o.path, data, ...(o.append ? { append: true } : {}) };
  });
  if (annotated) writes.push({ path: annotated.path, data: JSON.stringify(resultSchema.parse(annotated.result), null, 2) + '\n' });
  return writes;
}
