/**
 * Validation of toxic bodies (POST /proxies/{p}/toxics and updates) and their JSON form.
 * Toxiproxy's defaults: stream "downstream", toxicity 1, name "<type>_<stream>".
 */
import { ToxiproxyApiError, badRequest, invalidStream, missingField } from './api-error.js';
import { checkName } from './proxy-name.js';
import { getToxicDefinition, toxicTypes } from './toxics/registry.js';
import type { ToxicAttributes, ToxicDefinition } from './toxics/toxic-type.js';

export type Stream = 'upstream' | 'downstream';

export interface ToxicConfig {
  readonly name: string;
  readonly type: string;
  readonly stream: Stream;
  readonly toxicity: number;
  readonly attributes: ToxicAttributes;
  readonly definition: ToxicDefinition;
}

export interface ToxicJson {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: ToxicAttributes;
}

export function toxicJson(t: ToxicConfig): ToxicJson {
  return { name: t.name, type: t.type, stream: t.stream, toxicity: t.toxicity, attributes: { ...t.attributes } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseToxicity(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw badRequest('toxicity must be a number from 0 to 1');
  }
  return value;
}

function parseAttributes(
  definition: ToxicDefinition,
  value: unknown,
  base: ToxicAttributes | null,
): ToxicAttributes {
  if (value !== undefined && value !== null && !isObject(value)) {
    throw badRequest('attributes must be an object');
  }
  const given = (value ?? {}) as Record<string, unknown>;
  const known = definition.attributes.map((a) => a.name);
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) {
      throw badRequest(`attributes.${key} is not an attribute of ${definition.type}; use ${known.join(', ')}`);
    }
  }
  const out: ToxicAttributes = {};
  for (const spec of definition.attributes) {
    const raw = given[spec.name];
    if (raw === undefined) {
      out[spec.name] = base?.[spec.name] ?? spec.default;
      continue;
    }
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < spec.min || raw > spec.max) {
      throw badRequest(
        `attributes.${spec.name} must be an integer from ${spec.min} to ${spec.max} (${spec.unit})`,
      );
    }
    out[spec.name] = raw;
  }
  const problem = definition.validate?.(out);
  if (problem) throw badRequest(problem);
  return out;
}

export function parseNewToxic(body: unknown): ToxicConfig {
  if (!isObject(body)) throw badRequest('expected a JSON object {type, stream?, name?, toxicity?, attributes}');
  const { type, stream = 'downstream', name, toxicity } = body;
  if (type === undefined || type === '') throw missingField('type');
  if (typeof type !== 'string') throw badRequest('type must be a string');
  if (stream !== 'upstream' && stream !== 'downstream') throw invalidStream();
  const definition = getToxicDefinition(type);
  if (!definition) {
    throw new ToxiproxyApiError(`invalid toxic type: ${type} (known: ${toxicTypes().join(', ')})`, 400);
  }
  if (name !== undefined && name !== '') checkName(name, 'name');
  return {
    name: name === undefined || name === '' ? `${type}_${stream}` : (name as string),
    type,
    stream,
    toxicity: parseToxicity(toxicity, 1),
    attributes: parseAttributes(definition, body.attributes, null),
    definition,
  };
}

/** Applies an update body (only `attributes` and `toxicity` change, as in Toxiproxy). */
export function parseToxicUpdate(current: ToxicConfig, body: unknown): ToxicConfig {
  if (!isObject(body)) throw badRequest('expected a JSON object {attributes?, toxicity?}');
  return {
    ...current,
    toxicity: parseToxicity(body.toxicity, current.toxicity),
    attributes: parseAttributes(current.definition, body.attributes, current.attributes),
  };
}
