/**
 * Text for a one-line error message: control characters (newlines, tabs, NUL, ESC...) are
 * shown escaped, so a path or a value taken from the input can never break the line or
 * write terminal escapes.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A value quoted for a message (JSON style, control characters escaped), at most `max` characters. */
export function quoted(value: unknown, max = 80): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  text = oneLine(text);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The first line(s) of an error message joined into one, control characters escaped. */
export function errorLine(error: unknown, max = 300): string {
  const message = error instanceof Error ? error.message : String(error);
  const text = message
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
  const line = oneLine(text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
