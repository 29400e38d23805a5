/**
 * What a topology.phpIni entry may hold so that php.ini reads back exactly what the scenario
 * says. The renderer (topology/config/php-fpm-config.ts) writes `key = value`, the value bare
 * when it is a plain word and in double quotes otherwise. Checked against PHP 8.2's INI
 * scanner (test/unit/cli-fuzz.test.ts reads random values back with get_cfg_var):
 *   - a newline or another control character would end the line: the rest becomes a new
 *     directive (config injection);
 *   - a double quote ends the quoted value (and the renderer refuses it);
 *   - `${` starts a variable reference (an environment variable, or a syntax error that
 *     drops the whole file);
 *   - a backslash before `\`, `$` or `"` is an escape and loses a character.
 * Keys are INI names: letters, digits, `_ . -`, optionally one `[index]`.
 */
export const phpIniLimits = { maxEntries: 200, maxKeyLength: 128, maxValueLength: 4096 } as const;

const keyPattern = /^[A-Za-z0-9_.-]+(\[[A-Za-z0-9_.-]*\])?$/;

export function phpIniKeyProblem(key: string): string | null {
  if (key.length === 0) return 'an empty php.ini key';
  if (key.length > phpIniLimits.maxKeyLength) return `the key is ${key.length} characters, more than ${phpIniLimits.maxKeyLength}`;
  if (!keyPattern.test(key)) return 'not a php.ini key: use letters, digits, _ . - and at most one [index] at the end (e.g. session.gc_maxlifetime)';
  return null;
}

export function phpIniValueProblem(value: string): string | null {
  if (value.length > phpIniLimits.maxValueLength) return `the value is ${value.length} characters, more than ${phpIniLimits.maxValueLength}`;
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(value);
  if (control) {
    return `the value holds a control character (U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}) at ${control.index}: a php.ini value is one line of text`;
  }
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value)) return 'the value holds a lone UTF-16 surrogate: not writable as UTF-8';
  if (value.includes('"')) return 'the value holds a double quote ("): php.ini cannot hold one in a quoted value';
  if (value.includes('${')) return 'the value holds "${": php.ini would read it as a variable reference';
  const escape = /\\[\\$"]/.exec(value);
  if (escape) return `the value holds ${JSON.stringify(escape[0])}: php.ini would read it as an escape sequence`;
  return null;
}
