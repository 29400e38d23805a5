/**
 * Toxic bodies (POST /proxies/{p}/toxics and updates) read as Toxiproxy reads them
 * (toxic_collection.go): the body is decoded into the toxic wrapper (name, type, stream,
 * toxicity; `attributes` must be an object or null), then the stream is checked (either
 * direction, any case, kept as written), the name defaults to "<type>_<stream>", the type
 * must be registered, the name must be new (409), and only then are the attributes decoded
 * into the toxic's Go struct: unknown keys ignored, any int64 accepted, toxicity any float32.
 */
import { ToxiproxyApiError, invalidStream, toxicExists } from './api-error.js';
import { fieldsOf, goFloat32, goInt64, goObject, goString, typeError, type GoTarget } from './go-decode.js';
import type { JsonNode } from './go-json.js';
import { checkName } from './proxy-name.js';
import { getToxicDefinition } from './toxics/registry.js';
import type { ToxicAttributes, ToxicDefinition } from './toxics/toxic-type.js';

/** A direction: upstream = client -> server, downstream = server -> client. */
export type Stream = 'upstream' | 'downstream';

export interface ToxicConfig {
  readonly name: string;
  readonly type: string;
  /** The stream as the body wrote it ("UPSTREAM" stays so, as in Toxiproxy). */
  readonly stream: string;
  readonly direction: Stream;
  readonly toxicity: number;
  readonly attributes: ToxicAttributes;
  readonly definition: ToxicDefinition;
}

export interface ToxicJson {
  attributes: ToxicAttributes;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

/** Toxiproxy's field order: attributes, name, type, stream, toxicity. */
export function toxicJson(t: ToxicConfig): ToxicJson {
  return { attributes: { ...t.attributes }, name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity };
}

const WRAPPER = 'ToxicWrapper';
const UPDATE_TYPE = 'struct { Attributes interface {} "json:\\"attributes\\""; Toxicity float32 "json:\\"toxicity\\"" }';
const field = (struct: string, name: string, type: string): GoTarget => ({ struct, field: name, type });

/** Go's stream.ParseDirection: case-insensitive. */
function parseDirection(stream: string): Stream | null {
  const lower = stream.toLowerCase();
  return lower === 'upstream' || lower === 'downstream' ? lower : null;
}

/**
 * Decodes one `attributes` member into `out` (the toxic's struct). Several `attributes` keys
 * merge, in order; after a null one Go decodes the rest into a fresh map: `false` = stop.
 */
function applyAttributes(definition: ToxicDefinition, node: JsonNode, out: ToxicAttributes): boolean {
  const object = goObject(node, field('', 'attributes', `toxics.${definition.goStruct}`));
  if (!object) return false;
  const names = definition.attributes.map((a) => a.name);
  for (const { field: name, value } of fieldsOf(object, names)) {
    const spec = definition.attributes.find((a) => a.name === name)!;
    const decoded = goInt64(value, field(definition.goStruct, `attributes.${name}`, spec.goType));
    if (decoded !== undefined) out[name] = decoded;
  }
  return true;
}

function decodeAttributes(definition: ToxicDefinition, members: JsonNode[], base: ToxicAttributes): ToxicAttributes {
  const out: ToxicAttributes = { ...base };
  for (const node of members) if (!applyAttributes(definition, node, out)) break;
  return out;
}

const zeroAttributes = (definition: ToxicDefinition): ToxicAttributes =>
  Object.fromEntries(definition.attributes.map((a) => [a.name, 0]));

/** A new toxic from a body, in Toxiproxy's order of checks; `exists` tells a name already used. */
export function parseNewToxic(body: JsonNode, exists: (name: string) => boolean): ToxicConfig {
  let name = '';
  let type = '';
  let stream = 'downstream';
  let toxicity = 1;
  const attributes: JsonNode[] = [];
  let emptied = false;
  const object = goObject(body, { struct: '', field: '', type: `toxics.${WRAPPER}` });
  for (const m of object ? fieldsOf(object, ['attributes', 'name', 'type', 'stream', 'toxicity'] as const) : []) {
    if (m.field === 'attributes') {
      // First pass: decoded into a toxics.NoopToxic, which only checks for an object or null;
      // a null empties the Toxic interface, and Go cannot decode anything into it after that.
      if (m.value.kind !== 'null') goObject(m.value, field(WRAPPER, 'attributes', emptied ? 'toxics.Toxic' : 'toxics.NoopToxic'));
      if (emptied && m.value.kind !== 'null') throw typeError(m.value.kind, field(WRAPPER, 'attributes', 'toxics.Toxic'));
      emptied ||= m.value.kind === 'null';
      attributes.push(m.value);
    } else if (m.field === 'toxicity') {
      toxicity = goFloat32(m.value, field(WRAPPER, 'toxicity', 'float32')) ?? toxicity;
    } else {
      const value = goString(m.value, field(WRAPPER, m.field, 'string'));
      if (value === undefined) continue;
      if (m.field === 'name') name = value;
      else if (m.field === 'type') type = value;
      else stream = value;
    }
  }
  const direction = parseDirection(stream);
  if (!direction) throw invalidStream();
  if (name === '') name = `${type}_${stream}`;
  const definition = getToxicDefinition(type);
  if (!definition) throw new ToxiproxyApiError('invalid toxic type', 400);
  checkName(name, 'name'); // this lab's rule: the name must be usable in a URL path
  if (exists(name)) throw toxicExists();
  return {
    name,
    type,
    stream,
    direction,
    toxicity,
    attributes: decodeAttributes(definition, attributes, zeroAttributes(definition)),
    definition,
  };
}

/**
 * Applies an update body: only `attributes` and `toxicity` change, as in Toxiproxy. A
 * refused body changes nothing here (Toxiproxy keeps the fields decoded before the error).
 */
export function parseToxicUpdate(current: ToxicConfig, body: JsonNode): ToxicConfig {
  const object = goObject(body, { struct: '', field: '', type: UPDATE_TYPE });
  let toxicity = current.toxicity;
  const attributes: ToxicAttributes = { ...current.attributes };
  let decoding = true; // members are decoded in order, so the first error is Go's first error
  for (const m of object ? fieldsOf(object, ['attributes', 'toxicity'] as const) : []) {
    if (m.field === 'toxicity') toxicity = goFloat32(m.value, field('', 'toxicity', 'float32')) ?? toxicity;
    else if (decoding) decoding = applyAttributes(current.definition, m.value, attributes);
  }
  return { ...current, toxicity, attributes };
}
