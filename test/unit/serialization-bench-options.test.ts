import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  runSerializationBench,
  serializationSectionSchema,
  SERIALIZATION_BENCH_SCRIPT,
} from '../../harness/serialization/serialization-bench.js';
import { InvalidInputError } from '../../harness/errors.js';

// A php binary that does not exist: if validation let a bad option through, the spawn
// would fail with MissingDependencyError instead of InvalidInputError.
const noPhp = '/nonexistent/php';

test('bad options are refused before php is started', async () => {
  for (const options of [
    { profiles: ['huge'] },
    { profiles: [] },
    { samples: 0 },
    { samples: 2.5 },
    { sampleMs: 0 },
    { sampleMs: Number.NaN },
  ]) {
    await assert.rejects(runSerializationBench({ phpBinary: noPhp, ...options }), InvalidInputError, JSON.stringify(options));
  }
});

test('the PHP script ships next to the wrapper', () => {
  assert.ok(existsSync(SERIALIZATION_BENCH_SCRIPT), SERIALIZATION_BENCH_SCRIPT);
});

test('section schema: a skipped entry needs a reason, rows need non-negative rates', () => {
  const base = { phpredis: '5.3.7', compressionSupported: false, compressionNote: 'n/a', rows: [], skipped: [] };
  assert.equal(serializationSectionSchema.safeParse(base).success, true);
  assert.equal(
    serializationSectionSchema.safeParse({ ...base, skipped: [{ handler: 'msgpack', reason: '' }] }).success,
    false,
  );
  const row = {
    handler: 'php', compression: 'none', profile: 'tiny', encodeOpsPerSec: 1, decodeOpsPerSec: 1,
    bytes: 51, encodeSpreadPct: 0, decodeSpreadPct: 0, samples: 7,
  };
  assert.equal(serializationSectionSchema.safeParse({ ...base, rows: [row] }).success, true);
  assert.equal(serializationSectionSchema.safeParse({ ...base, rows: [{ ...row, encodeOpsPerSec: -1 }] }).success, false);
});
