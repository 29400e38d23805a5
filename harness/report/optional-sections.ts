/**
 * The schema types serialization / redis / concurrency / gate as `unknown` (other parts of
 * the harness write them): read them defensively, keep what is usable, never throw.
 */
import type { LatencyStep } from '../results/result-schema.js';
import { isNum } from './format.js';

export type Scalar = string | number | boolean | null;

export function asRecord(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : isNum(v) ? String(v) : null);
const num = (v: unknown): number | null => (isNum(v) ? v : null);

export interface SerializationRow {
  handler: string | null;
  compression: string | null;
  profile: string | null;
  encodeOpsPerSec: number | null;
  decodeOpsPerSec: number | null;
  bytes: number | null;
  /** Relative spread of the samples, percent (serialization bench). */
  encodeSpreadPct: number | null;
  decodeSpreadPct: number | null;
}

/** Accepts `[rows]` or `{ rows: [...] }` (also `results`); a row needs a handler or a number. */
export function readSerialization(v: unknown): SerializationRow[] | null {
  if (v === undefined) return null;
  const list = Array.isArray(v) ? v : (asRecord(v)?.rows ?? asRecord(v)?.results);
  if (!Array.isArray(list)) return [];
  return list.flatMap((item): SerializationRow[] => {
    const r = asRecord(item);
    if (!r) return [];
    const row = {
      handler: str(r.handler),
      compression: str(r.compression),
      profile: str(r.profile),
      encodeOpsPerSec: num(r.encodeOpsPerSec),
      decodeOpsPerSec: num(r.decodeOpsPerSec),
      bytes: num(r.bytes),
      encodeSpreadPct: num(r.encodeSpreadPct),
      decodeSpreadPct: num(r.decodeSpreadPct),
    };
    const usable = row.handler !== null || row.encodeOpsPerSec !== null || row.decodeOpsPerSec !== null || row.bytes !== null;
    return usable ? [row] : [];
  });
}

const isScalar = (x: unknown): x is Scalar => x === null || typeof x === 'string' || typeof x === 'boolean' || isNum(x);

/** Scalar fields of an object section, known keys first (in the given order), then the rest. */
export function readScalarFields(v: unknown, known: readonly string[]): [string, Scalar][] | null {
  return readFields(v, known)?.flatMap(([k, x]): [string, Scalar][] => (isScalar(x) ? [[k, x]] : [])) ?? null;
}

/** Every field of an object section (nested values too), known keys first. */
export function readFields(v: unknown, known: readonly string[]): [string, unknown][] | null {
  if (v === undefined) return null;
  const r = asRecord(v);
  if (!r) return [];
  const keys = [...known.filter((k) => k in r), ...Object.keys(r).filter((k) => !known.includes(k))];
  return keys.map((k): [string, unknown] => [k, r[k]]);
}

/** Arrays of objects inside a section (e.g. `skipped`, `endToEnd`, `checks`) as tables. */
export interface RecordTable {
  name: string;
  columns: string[];
  rows: Record<string, unknown>[];
}

export function readRecordTables(r: Record<string, unknown>, skip: readonly string[] = []): RecordTable[] {
  const tables: RecordTable[] = [];
  for (const [name, value] of Object.entries(r)) {
    if (skip.includes(name) || !Array.isArray(value)) continue;
    const rows = value.map(asRecord).filter((x): x is Record<string, unknown> => x !== null);
    if (rows.length === 0) continue;
    tables.push({ name, columns: [...new Set(rows.flatMap((row) => Object.keys(row)))], rows });
  }
  return tables;
}

export function readSteps(v: unknown): LatencyStep[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) return [];
  return v.flatMap((item): LatencyStep[] => {
    const r = asRecord(item);
    if (!r || typeof r.label !== 'string') return [];
    return [
      {
        label: r.label,
        startMs: num(r.startMs) ?? 0,
        endMs: num(r.endMs) ?? 0,
        requests: num(r.requests) ?? 0,
        p50: num(r.p50) ?? NaN,
        p99: num(r.p99) ?? NaN,
        errors: num(r.errors) ?? 0,
        anomalies: num(r.anomalies) ?? 0,
      },
    ];
  });
}

export interface GateView {
  passed: boolean | null | undefined;
  fields: [string, unknown][];
  /** Every array of objects in the section (checks, baselines), as a table. */
  tables: RecordTable[];
}

/** harness/gate's verdict (GateVerdict) or anything close to it. */
export function readGate(v: unknown): GateView | null {
  if (v === undefined) return null;
  const r = asRecord(v);
  if (!r) return { passed: undefined, fields: [], tables: [] };
  const passed = typeof r.passed === 'boolean' || r.passed === null ? (r.passed as boolean | null) : undefined;
  const isTable = (x: unknown) => Array.isArray(x) && x.some((e) => asRecord(e) !== null);
  const fields = (readFields(r, ['counts', 'checkedAt', 'result', 'maxRegression', 'warnings']) ?? []).filter(
    ([k, x]) => k !== 'passed' && k !== 'schema' && !isTable(x) && !(Array.isArray(x) && x.length === 0),
  );
  return { passed, fields, tables: readRecordTables(r) };
}
