import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodePhpSession, type PhpSessionFormat } from '../../harness/serialization/php-session-decoder.js';

const script = fileURLToPath(new URL('../fixtures/php-sessions/random-sessions.php', import.meta.url));

test('random sessions encoded by PHP itself decode to what PHP json_encode()s', () => {
  let checked = 0;
  for (const seed of [1, 2, 3]) {
    const out = execFileSync('php', [script, String(seed), '60'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    for (const line of out.trim().split('\n')) {
      const { format, encoded, json } = JSON.parse(line) as { format: PhpSessionFormat; encoded: string; json: string };
      const payload = Buffer.from(encoded, 'base64');
      const result = decodePhpSession(payload, format);
      if (!result.ok) assert.fail(`${format} seed ${seed}: ${result.error.code} at ${result.error.offset}: ${result.error.message}`);
      assert.deepStrictEqual(result.value, JSON.parse(json), `${format} seed ${seed}: ${payload.toString().slice(0, 200)}`);
      checked++;
    }
  }
  // 3 seeds x (3 profiles + 60 random) x 2 formats
  assert.equal(checked, 3 * 63 * 2);
});
