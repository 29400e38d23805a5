/**
 * Decoding JSON nodes (go-json.ts) into fields the way Go's encoding/json fills Toxiproxy's
 * structs: keys match field names exactly or else case-insensitively (Unicode simple
 * folding: "NAME", "ſtream"), members apply in order (a later duplicate wins), unknown keys
 * are ignored, `null` leaves a field as it was, and a value of the wrong type is the error
 * Go 1.23 gives: "json: cannot unmarshal string into Go struct field Proxy.name of type
 * string". Every refusal is a 400 "bad request body: ..." as in Toxiproxy's api.go.
 */
import { badRequest, type ToxiproxyApiError } from './api-error.js';
import type { JsonNode } from './go-json.js';

/** Where a value goes, for the error text: the Go struct, the field path and the Go type. */
export interface GoTarget {
  /** The Go struct holding the field ("" for an anonymous struct); empty with field for a top-level value. */
  struct: string;
  field: string;
  type: string;
}

export function typeError(value: string, target: GoTarget): ToxiproxyApiError {
  const into = target.struct || target.field ? `Go struct field ${target.struct}.${target.field}` : 'Go value';
  return badRequest(`json: cannot unmarshal ${value} into ${into} of type ${target.type}`);
}

const kindName = (node: JsonNode): string => node.kind;

// Non-ASCII runes that Go's folding (ToUpper(ToLower(r))) turns into ASCII letters.
const FOLD_TO_ASCII: Record<string, string> = { '\u017f': 'S', '\u0131': 'I', '\u0130': 'I', '\u212a': 'K' };

function fold(name: string): string {
  let out = '';
  for (const ch of name) out += ch.length === 1 && ch < '\u0080' ? ch.toUpperCase() : (FOLD_TO_ASCII[ch] ?? ch);
  return out;
}

/** The field a key names: an exact match first, else a case-insensitive one (Go's rule). */
export function matchField<F extends string>(key: string, fields: readonly F[]): F | undefined {
  const exact = fields.find((f) => f === key);
  if (exact) return exact;
  const folded = fold(key);
  return fields.find((f) => fold(f) === folded);
}

/** The members of an object in order, each with the field it names (unknown keys left out). */
export function fieldsOf<F extends string>(
  node: Extract<JsonNode, { kind: 'object' }>,
  fields: readonly F[],
): { field: F; value: JsonNode }[] {
  const out: { field: F; value: JsonNode }[] = [];
  for (const m of node.members) {
    const field = matchField(m.key, fields);
    if (field) out.push({ field, value: m.value });
  }
  return out;
}

/** An object (or null: undefined) for a Go struct; anything else is the type error. */
export function goObject(node: JsonNode, target: GoTarget): Extract<JsonNode, { kind: 'object' }> | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'object') throw typeError(kindName(node), target);
  return node;
}

/** An array (or null: undefined) for a Go slice. */
export function goArray(node: JsonNode, target: GoTarget): JsonNode[] | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'array') throw typeError(kindName(node), target);
  return node.items;
}

export function goString(node: JsonNode, target: GoTarget): string | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'string') throw typeError(kindName(node), target);
  return node.value;
}

export function goBool(node: JsonNode, target: GoTarget): boolean | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'bool') throw typeError(kindName(node), target);
  return node.value;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A Go int64 (or int, 64 bits): an integer literal within range; 1.0, 1e3 and 2^63 are refused. */
export function goInt64(node: JsonNode, target: GoTarget): number | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'number') throw typeError(kindName(node), target);
  if (!/^-?\d+$/.test(node.text)) throw typeError(`number ${node.text}`, target);
  const value = BigInt(node.text);
  if (value < INT64_MIN || value > INT64_MAX) throw typeError(`number ${node.text}`, target);
  return Number(value); // beyond 2^53 the stored value is rounded (the README says so)
}

/** The shortest decimal that is the same float32, as Go prints a float32. */
function shortestFloat32(value: number): number {
  const f = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** A Go float32: any number within float32's range (no other bound). */
export function goFloat32(node: JsonNode, target: GoTarget): number | undefined {
  if (node.kind === 'null') return undefined;
  if (node.kind !== 'number') throw typeError(kindName(node), target);
  const value = Number(node.text);
  if (!Number.isFinite(Math.fround(value))) throw typeError(`number ${node.text}`, target);
  return shortestFloat32(value);
}
