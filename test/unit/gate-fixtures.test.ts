import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseResult } from '../../harness/results/result-file.js';

const dir = fileURLToPath(new URL('../fixtures/results/', import.meta.url));

test('every checked-in result fixture is valid against the result schema', async () => {
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 7, files.join(', '));
  for (const file of files) {
    const result = parseResult(JSON.parse(await readFile(join(dir, file), 'utf8')), file);
    assert.equal(result.gate, undefined, `${file}: regenerate fixtures, a gate verdict leaked into it`);
  }
});
