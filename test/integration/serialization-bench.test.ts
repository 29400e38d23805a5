import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { runSerializationBench } from '../../harness/serialization/serialization-bench.js';
import { MissingDependencyError } from '../../harness/errors.js';

const builtIn = ['php', 'php_binary', 'php_serialize'];

/** Extensions the normal php CLI loads (php -m), lower-cased. */
function loadedModules(args: string[] = []): Set<string> {
  const out = execFileSync('php', [...args, '-m'], { encoding: 'utf8' });
  return new Set(out.split('\n').map((l) => l.trim().toLowerCase()).filter(Boolean));
}

test('every serializer the PHP build has is measured; compression is skipped with a reason', async () => {
  const mods = loadedModules();
  const section = await runSerializationBench({ profiles: ['tiny', 'cart'], samples: 2, sampleMs: 5 });
  const expected = [...builtIn, ...['igbinary', 'msgpack'].filter((m) => mods.has(m))];
  for (const handler of expected) {
    for (const profile of ['tiny', 'cart']) {
      const row = section.rows.find((r) => r.handler === handler && r.profile === profile && r.compression === 'none');
      assert.ok(row, `missing row ${handler}/${profile}`);
      assert.ok(row.encodeOpsPerSec > 0 && row.decodeOpsPerSec > 0);
      assert.equal(row.samples, 2);
    }
  }
  // Sizes are deterministic facts of the payloads: cart is ~5 KB, tiny is tiny.
  const cart = section.rows.find((r) => r.handler === 'php_serialize' && r.profile === 'cart');
  const tiny = section.rows.find((r) => r.handler === 'php_serialize' && r.profile === 'tiny');
  assert.ok(cart && tiny);
  assert.ok(cart.bytes > 4000 && cart.bytes < 7000, `cart bytes ${cart.bytes}`);
  assert.ok(tiny.bytes < 200, `tiny bytes ${tiny.bytes}`);
  assert.equal(section.phpredis !== null, mods.has('redis'));
  if (!section.compressionSupported) {
    for (const algo of ['lzf', 'zstd', 'lz4']) {
      const skip = section.skipped.find((s) => s.compression === algo);
      assert.ok(skip, `compression ${algo} neither measured nor skipped`);
      assert.match(skip.reason, /redis\.session\.compression/);
    }
    assert.ok(section.rows.every((r) => r.compression === 'none'));
  }
});

test('a PHP build without igbinary/msgpack skips them with a reason', async () => {
  // -n: no php.ini, so only the extensions named here load: igbinary (when installed), never msgpack.
  const withIgbinary = ['-n', '-d', 'extension=igbinary'];
  const phpArgs = loadedModules(withIgbinary).has('igbinary') ? withIgbinary : ['-n'];
  const mods = loadedModules(phpArgs);
  assert.ok(!mods.has('msgpack') && !mods.has('redis'), 'test setup: -n build');
  const section = await runSerializationBench({ phpArgs, profiles: ['tiny'], samples: 1, sampleMs: 5 });
  const present = mods.has('igbinary') ? [...builtIn, 'igbinary'] : builtIn;
  assert.deepEqual(section.rows.map((r) => r.handler).sort(), [...present].sort());
  const absent = mods.has('igbinary') ? ['msgpack'] : ['igbinary', 'msgpack'];
  for (const handler of absent) {
    const skip = section.skipped.find((s) => s.handler === handler);
    assert.ok(skip, `${handler} must be listed as skipped`);
    assert.match(skip.reason, new RegExp(`${handler} extension not loaded`));
  }
  assert.equal(section.phpredis, null);
  assert.equal(section.compressionSupported, false);
});

test('a missing php binary is a MissingDependencyError', async () => {
  await assert.rejects(
    runSerializationBench({ phpBinary: '/nonexistent/php-8.2', samples: 1, sampleMs: 1 }),
    (error: unknown) => error instanceof MissingDependencyError && error.code === 'PSL_MISSING_DEPENDENCY',
  );
});
