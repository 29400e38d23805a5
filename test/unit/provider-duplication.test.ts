/**
 * The local and docker providers share their logic through the plan (plan/plan-topology.ts),
 * not by copy: no run of six significant lines stands in both, neither as the same text nor
 * as the same shape with other names, strings and numbers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../harness/util/project-root.js';

const WINDOW = 6;

/** Significant lines, each as text and as shape; blank, comment, import and lone-punctuation lines are passed over. */
function lines(file: string): Array<{ no: number; text: string; shape: string }> {
  const out: Array<{ no: number; text: string; shape: string }> = [];
  let inComment = false;
  readFileSync(join(projectRoot, file), 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (inComment) {
      if (line.includes('*/')) inComment = false;
      return;
    }
    if (line.startsWith('/*')) {
      inComment = !line.includes('*/');
      return;
    }
    if (line === '' || line.startsWith('//') || line.startsWith('import ') || /^[\s{}()[\];,]*$/.test(line)) return;
    const text = line.replace(/\s+/g, ' ');
    const shape = text
      .replace(/(['"`])(?:\\.|(?!\1).)*\1/g, 'S')
      .replace(/\b\d+(\.\d+)?\b/g, 'N')
      .replace(/[A-Za-z_$][\w$]*/g, 'I');
    out.push({ no: i + 1, text, shape });
  });
  return out;
}

function sharedRuns(a: string, b: string, key: 'text' | 'shape'): string[] {
  const la = lines(a);
  const lb = lines(b);
  const windows = new Map<string, number>();
  for (let i = 0; i + WINDOW <= la.length; i++) windows.set(la.slice(i, i + WINDOW).map((l) => l[key]).join('\n'), la[i]!.no);
  const found: string[] = [];
  for (let j = 0; j + WINDOW <= lb.length; j++) {
    const at = windows.get(lb.slice(j, j + WINDOW).map((l) => l[key]).join('\n'));
    if (at !== undefined) found.push(`${a}:${at} ~ ${b}:${lb[j]!.no}`);
  }
  return found;
}

const LOCAL = 'harness/topology/local/local-provider.ts';
const DOCKER = 'harness/topology/docker/docker-provider.ts';

test('the local and docker providers share no run of six lines, same text or same shape', () => {
  assert.deepEqual(sharedRuns(LOCAL, DOCKER, 'text'), []);
  assert.deepEqual(sharedRuns(LOCAL, DOCKER, 'shape'), []);
});

test('the duplication finder finds a copied block (it can fail)', () => {
  assert.ok(sharedRuns(LOCAL, LOCAL, 'text').length > 0);
});
