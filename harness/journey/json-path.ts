/**
 * A small JSON path: `$`, then `.name`, `['name']` / `["name"]` and `[index]` (e.g.
 * `$.user.roles[0]`, `$['display name']`). Enough to pick one value; no filters or wildcards.
 */
export type PathSegment = string | number;

export function parseJsonPath(path: string): PathSegment[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new Error(`${JSON.stringify(path)} is not a JSON path: start with $ (e.g. $.user.name)`);
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest))) segments.push(m[1]!);
    else if ((m = /^\[(\d+)\]/.exec(rest))) segments.push(Number(m[1]));
    else if ((m = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest)) || (m = /^\[\s*"((?:[^"\\]|\\.)*)"\s*\]/.exec(rest))) segments.push(m[1]!.replace(/\\(.)/g, '$1'));
    else throw new Error(`${JSON.stringify(path)} is not a JSON path: unexpected ${JSON.stringify(rest.slice(0, 10))} at ${i} (use $.a.b, $['a b'] or $.a[0])`);
    i += m[0].length;
  }
  return segments;
}

/** The value at the path, or undefined when there is none. */
export function selectJsonPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return undefined;
      current = current[segment];
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return current;
}
