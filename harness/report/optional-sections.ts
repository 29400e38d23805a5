/**
 * Generic helpers for rendering a typed result section as a table of its fields: known keys
 * first, nested arrays of objects as their own tables. The sections are validated by the
 * result schema on read; these only decide layout.
 */
import { isNum } from './format.js';

export function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Every field of an object section (nested values too), known keys first, `skip` left out. */
export function readFields(r: object, known: readonly string[], skip: readonly string[] = []): [string, unknown][] {
  const record = r as Record<string, unknown>;
  const keys = [...known.filter((k) => k in record), ...Object.keys(record).filter((k) => !known.includes(k))];
  return keys.filter((k) => !skip.includes(k) && record[k] !== undefined).map((k): [string, unknown] => [k, record[k]]);
}

/** Arrays of objects inside a section (e.g. `skipped`, `endToEnd`, `checks`) as tables. */
export interface RecordTable {
  name: string;
  columns: string[];
  rows: Record<string, unknown>[];
}

export function readRecordTables(r: object, skip: readonly string[] = []): RecordTable[] {
  const tables: RecordTable[] = [];
  for (const [name, value] of Object.entries(r)) {
    if (skip.includes(name) || !Array.isArray(value)) continue;
    const rows = value.map(asRecord).filter((x): x is Record<string, unknown> => x !== null);
    if (rows.length === 0) continue;
    tables.push({ name, columns: [...new Set(rows.flatMap((row) => Object.keys(row)))], rows });
  }
  return tables;
}

export { isNum };
