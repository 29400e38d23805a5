/** `{{name}}` per-user variables in a journey's strings (journey-schema.ts). */

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The variable names a string uses. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1]!);
}

/** Every string inside a JSON value (a body template), for variablesIn. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}

/** Replaces each `{{name}}`; a variable without a value (its extraction found nothing) becomes "". */
export function render(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(VARIABLE, (_, name: string) => vars.get(name) ?? '');
}

export function renderJson(value: unknown, vars: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return render(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderJson(v, vars));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [render(k, vars), renderJson(v, vars)]));
  return value;
}
