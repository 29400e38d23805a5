/**
 * How deeply brackets nest in a JSON or TypeScript/JavaScript source text, without parsing it:
 * a 100,000-deep array overflows the stack of the parser (V8, esbuild) or of every recursive
 * step after it, so it is refused by this linear scan first. Strings and comments are skipped
 * (template literals roughly: their `${...}` parts count as string).
 */
export interface NestingProblem {
  depth: number;
  line: number;
  column: number;
}

/** The first place where nesting goes deeper than `limit`, or null. */
export function findExcessiveNesting(text: string, limit: number, syntax: 'json' | 'script'): NestingProblem | null {
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */) {
      line++;
      lineStart = i + 1;
      continue;
    }
    if (c === 34 /* " */ || (syntax === 'script' && (c === 39 /* ' */ || c === 96) /* ` */)) {
      // Skip to the closing quote (a backslash escapes the next character).
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) {
          i++;
          continue;
        }
        if (d === 10) {
          line++;
          lineStart = i + 1;
          if (c !== 96) break; // an unterminated string ends at the line's end
        }
        if (d === c) break;
      }
      continue;
    }
    if (syntax === 'script' && c === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        const end = text.indexOf('\n', i);
        i = end < 0 ? n : end - 1;
        continue;
      }
      if (next === 42 /* * */) {
        const end = text.indexOf('*/', i + 2);
        const stop = end < 0 ? n : end + 2;
        for (let j = i; j < stop; j++) {
          if (text.charCodeAt(j) === 10) {
            line++;
            lineStart = j + 1;
          }
        }
        i = stop - 1;
        continue;
      }
    }
    if (c === 91 /* [ */ || c === 123 /* { */ || (syntax === 'script' && c === 40) /* ( */) {
      depth++;
      if (depth > limit) return { depth, line, column: i - lineStart + 1 };
    } else if (c === 93 || c === 125 || (syntax === 'script' && c === 41)) {
      depth = Math.max(0, depth - 1);
    }
  }
  return null;
}
