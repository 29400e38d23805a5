/**
 * The module structure of harness/, read from the source with the TypeScript compiler API:
 * every import, `export ... from`, `import type` and dynamic `import('...')` with a literal
 * specifier is an edge (ts.preProcessFile). Type-only imports count, for cycles too: a type
 * shared both ways between two modules belongs in the lower one, and counting them keeps the
 * layering honest even though they vanish at run time.
 *
 * (a) no import cycle in harness/;
 * (b) harness/gate/ is imported only from harness/gate/ and harness/cli/;
 * (c) harness/scenario/ imports nothing from harness/results, gate, runner or report: a
 *     scenario can be validated without result handling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const harness = join(root, 'harness');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(m|c)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** A relative specifier resolved the way NodeNext resolves it for .ts sources: './x.js' -> './x.ts'. */
function resolveSpecifier(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.cjs$/, '.cts'),
    base,
    `${base}.ts`,
    join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? null;
}

const rel = (path: string) => relative(root, path).split(sep).join('/');

interface Graph {
  files: string[];
  /** file -> files it imports (repo-relative, harness/ only). */
  edges: Map<string, string[]>;
  unresolved: string[];
}

function buildGraph(): Graph {
  const files = sourceFiles(harness).sort();
  const edges = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveSpecifier(file, fileName);
      if (target === null) {
        unresolved.push(`${rel(file)} -> ${fileName}`);
        continue;
      }
      if (target.startsWith(harness + sep)) targets.add(rel(target));
    }
    edges.set(rel(file), [...targets].sort());
  }
  return { files: files.map(rel), edges, unresolved };
}

/** Every cycle's files, one per strongly connected component (Tarjan), each as a closed path. */
function findCycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = (edges.get(v) ?? []).includes(v);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const v of edges.keys()) if (!indices.has(v)) connect(v);
  // Show one concrete loop per component: a shortest path from its first file back to itself.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    const previous = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of edges.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
          return [...path, start];
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return [...component, component[0]!];
  });
}

const moduleOf = (file: string) => file.split('/')[1] ?? '';

const graph = buildGraph();

test('the graph is read: harness/ has files, imports and every relative import resolves', () => {
  assert.ok(graph.files.length > 50, `only ${graph.files.length} files under harness/`);
  assert.ok([...graph.edges.values()].some((targets) => targets.length > 0), 'no imports found');
  assert.deepEqual(graph.unresolved, [], 'relative imports that resolve to no file');
});

test('the cycle finder finds a cycle it is given', () => {
  const cycles = findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []], ['e', ['e']]]));
  assert.deepEqual(cycles.map((c) => c.join(' -> ')).sort(), ['a -> b -> c -> a', 'e -> e']);
});

test('(a) no import cycle in harness/ (type-only imports count)', () => {
  const cycles = findCycles(graph.edges);
  assert.deepEqual(cycles.map((c) => c.join(' -> ')), [], `import cycles:\n${cycles.map((c) => `  ${c.join('\n    -> ')}`).join('\n')}`);
});

test('(b) only harness/gate and harness/cli import harness/gate', () => {
  const offenders = [...graph.edges].flatMap(([file, targets]) =>
    ['gate', 'cli'].includes(moduleOf(file)) ? [] : targets.filter((t) => moduleOf(t) === 'gate').map((t) => `${file} -> ${t}`),
  );
  assert.deepEqual(offenders, []);
});

test('(c) harness/scenario imports nothing from results, gate, runner or report', () => {
  const forbidden = new Set(['results', 'gate', 'runner', 'report']);
  const offenders = [...graph.edges].flatMap(([file, targets]) =>
    moduleOf(file) !== 'scenario' ? [] : targets.filter((t) => forbidden.has(moduleOf(t))).map((t) => `${file} -> ${t}`),
  );
  assert.deepEqual(offenders, []);
});
