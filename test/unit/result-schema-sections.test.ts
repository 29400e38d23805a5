/**
 * result.json is typed end to end: no top-level section of the result schema is `unknown` or
 * `any` (an optional section a probe or a CLI writes has its own schema), and each probe
 * kind's schema is the one result-schema.ts holds under its key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { resultSchema } from '../../harness/results/result-schema.js';
import { probeKinds } from '../../harness/probes/probe-registry.js';

/** Peels optional, nullable and default wrappers off a field's schema. */
function core(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap();
    else if (s instanceof z.ZodDefault) s = s.removeDefault();
    else if (s instanceof z.ZodEffects) s = s.innerType();
    else return s;
  }
}

test('no section of result.json is z.unknown() or z.any()', () => {
  const shape = resultSchema.shape;
  const loose = Object.entries(shape).filter(([, schema]) => {
    const c = core(schema as z.ZodTypeAny);
    return c instanceof z.ZodUnknown || c instanceof z.ZodAny;
  });
  assert.deepEqual(loose.map(([key]) => key), []);
  for (const key of ['serialization', 'concurrency', 'journey', 'redis', 'redisCluster', 'gate', 'repeat', 'connections', 'guards', 'workload']) {
    const c = core(shape[key as keyof typeof shape] as z.ZodTypeAny);
    assert.ok(c instanceof z.ZodObject || c instanceof z.ZodDiscriminatedUnion, `${key} is not an object schema`);
  }
});

test('every probe writes the section result-schema.ts validates under its key', () => {
  const shape = resultSchema.shape as Record<string, z.ZodTypeAny>;
  assert.deepEqual(probeKinds.map((k) => k.section).sort(), ['concurrency', 'connections', 'evidence', 'journey', 'redis', 'redisCluster']);
  for (const kind of probeKinds) {
    assert.ok(shape[kind.section], `result-schema.ts has no ${kind.section} section`);
    assert.equal(core(shape[kind.section]!), kind.schema, `result.${kind.section} is not validated by the ${kind.section} probe's own schema`);
  }
});
