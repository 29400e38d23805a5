import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decodePhpSession,
  PhpCustomObject,
  PhpEnum,
  PhpObject,
  type DecodeResult,
  type PhpSessionFormat,
} from '../../harness/serialization/php-session-decoder.js';

const dir = fileURLToPath(new URL('../fixtures/php-sessions/', import.meta.url));
interface ManifestCase {
  name: string;
  files: Partial<Record<PhpSessionFormat, string>>;
  failed: Partial<Record<PhpSessionFormat, string>>;
  expected?: unknown;
}
const manifest = JSON.parse(readFileSync(dir + 'manifest.json', 'utf8')) as { cases: ManifestCase[] };
const formats: PhpSessionFormat[] = ['php', 'php_serialize'];

function fixture(name: string, format: PhpSessionFormat): Buffer {
  return readFileSync(dir + `${name}.${format}.txt`);
}

function value(result: DecodeResult): Record<string, unknown> {
  if (!result.ok) assert.fail(`decode failed: ${result.error.code} at ${result.error.offset}: ${result.error.message}`);
  return result.value;
}

function errorCode(result: DecodeResult): string {
  assert.equal(result.ok, false, 'expected a decode error');
  return result.ok ? '' : result.error.code;
}

test('PHP-generated fixtures decode to what PHP json_encode()d (both formats)', () => {
  let checked = 0;
  for (const c of manifest.cases) {
    if (c.expected === undefined) continue;
    for (const format of formats) {
      if (!c.files[format]) continue;
      assert.deepStrictEqual(value(decodePhpSession(fixture(c.name, format), format)), c.expected, `${c.name}.${format}`);
      checked++;
    }
  }
  assert.ok(checked >= 12, `only ${checked} fixtures checked`);
});

test('string and Buffer input give the same result; lengths are bytes', () => {
  const buf = fixture('unicode', 'php');
  const fromBuf = value(decodePhpSession(buf, 'php'));
  assert.deepStrictEqual(value(decodePhpSession(buf.toString('utf8'), 'php')), fromBuf);
  assert.equal(fromBuf.emoji, '😀 ok');
  assert.equal(fromBuf['ключ'], 'значение');
  assert.equal(fromBuf.tricky, 'a"b;c|d}e{f:g\nh\ti');
  assert.equal(fromBuf.nul, 'x\0y');
});

test('64-bit integers, float specials and non-UTF-8 bytes', () => {
  for (const format of formats) {
    const ints = value(decodePhpSession(fixture('int-limits', format), format));
    assert.deepStrictEqual(ints, { max: 9223372036854775807n, min: -9223372036854775808n, safe: 9007199254740991 });
    const floats = value(decodePhpSession(fixture('float-specials', format), format));
    assert.equal(floats.inf, Infinity);
    assert.equal(floats.ninf, -Infinity);
    assert.ok(Number.isNaN(floats.nan));
    assert.ok(Object.is(floats.negzero, -0));
    const bin = value(decodePhpSession(fixture('binary', format), format));
    assert.deepStrictEqual(bin.bytes, Buffer.from([0xff, 0xfe, 0x00, 0x80]));
    assert.deepStrictEqual(bin.latin1, Buffer.from('caf\xe9', 'latin1'));
  }
});

test('objects: class, visibility, enums, Serializable payloads', () => {
  for (const format of formats) {
    const v = value(decodePhpSession(fixture('objects', format), format));
    assert.ok(v.std instanceof PhpObject);
    assert.equal(v.std.className, 'stdClass');
    assert.deepStrictEqual(v.std.properties, { name: 'std', list: [1, 2] });
    assert.ok(v.line instanceof PhpObject);
    assert.deepStrictEqual(v.line.properties, { secret: 'p', qty: 2, sku: 'SKU-1', next: null });
    assert.deepStrictEqual(v.line.visibility, { secret: { private: 'PslCartLine' }, qty: 'protected' });
    assert.deepStrictEqual(v.status, new PhpEnum('PslStatus', 'Banned'));
    assert.ok(v.legacy instanceof PhpCustomObject);
    assert.equal(v.legacy.data.toString(), 'raw;data|with"quotes');
  }
});

test('references r:/R: resolve to the referenced value, numbered as PHP does', () => {
  for (const format of formats) {
    const v = value(decodePhpSession(fixture('references', format), format));
    assert.deepStrictEqual(v.a, { x: 1, y: [2, 3] });
    assert.equal(v.b, v.a, `${format}: R: shares identity`);
    assert.ok(v.obj1 instanceof PhpObject);
    assert.equal(v.obj2, v.obj1, `${format}: r: shares identity`);
    assert.equal(v.s2, 'str');
    const oc = value(decodePhpSession(fixture('object-cycle', format), format));
    assert.ok(oc.node instanceof PhpObject);
    assert.equal(oc.node.properties.self, oc.node, 'object cycle kept');
  }
});

test('array cycles are refused clearly', () => {
  for (const format of formats) {
    const r = decodePhpSession(fixture('cycle', format), format);
    assert.equal(errorCode(r), 'UNSUPPORTED_REFERENCE');
  }
});

test('php_serialize: top level is always a record; php format cannot carry "|" in names', () => {
  assert.deepStrictEqual(value(decodePhpSession('a:2:{i:0;s:1:"a";i:1;s:1:"b";}', 'php_serialize')), { 0: 'a', 1: 'b' });
  assert.deepStrictEqual(value(decodePhpSession(fixture('pipe-in-key', 'php_serialize'), 'php_serialize')), { 'a|b': 1, ok: 2 });
  const pipe = manifest.cases.find((c) => c.name === 'pipe-in-key');
  assert.ok(pipe?.failed.php, 'PHP itself refuses to encode a | in a php-format name');
  assert.deepStrictEqual(value(decodePhpSession('', 'php')), {});
  assert.deepStrictEqual(value(decodePhpSession('', 'php_serialize')), {});
});

test('"__proto__" keys become own properties, never the prototype', () => {
  const v = value(decodePhpSession('a:1:{s:9:"__proto__";a:1:{s:5:"admin";b:1;}}', 'php_serialize'));
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.equal(({} as Record<string, unknown>).admin, undefined);
  assert.deepStrictEqual(Object.keys(v), ['__proto__']);
  const named = value(decodePhpSession('__proto__|b:1;', 'php'));
  assert.equal(Object.getPrototypeOf(named), Object.prototype);
});

test('malformed payloads give stable error codes with offsets', () => {
  const cases: Array<[string | Buffer, PhpSessionFormat, string, number | undefined]> = [
    ['visit_count|i:4', 'php', 'TRUNCATED', undefined],
    ['visit_count|s:5:"abc";', 'php', 'BAD_LENGTH', 14],
    ['v|s:2:"abc";', 'php', 'BAD_SYNTAX', undefined],
    ['v|s:99999999999999:"x";', 'php', 'BAD_LENGTH', undefined],
    ['v|s:999999999999999999999:"x";', 'php', 'BAD_NUMBER', undefined],
    ['v|a:99999999:{i:0;N;}', 'php', 'BAD_LENGTH', 4],
    ['v|a:1:{i:0;i:12345', 'php', 'TRUNCATED', undefined],
    ['v|a:1:{i:0;N;', 'php', 'BAD_LENGTH', undefined],
    ['v|a:2:{i:0;N;}i:1;N;}', 'php', 'BAD_KEY', 13],
    ['v|a:1:{d:0.5;N;}', 'php', 'BAD_KEY', undefined],
    ['v|x:1;', 'php', 'BAD_TAG', 2],
    ['v|i:12a;', 'php', 'BAD_NUMBER', undefined],
    ['v|i:99999999999999999999;', 'php', 'BAD_NUMBER', undefined],
    ['v|d:1.2.3;', 'php', 'BAD_NUMBER', undefined],
    ['v|b:2;', 'php', 'BAD_NUMBER', undefined],
    ['v|r:5;', 'php', 'BAD_REFERENCE', undefined],
    ['v|R:0;', 'php', 'BAD_REFERENCE', undefined],
    ['v|S:1:"\\61";', 'php', 'UNSUPPORTED', undefined],
    ['v|i:1;trailing', 'php', 'BAD_NAME', undefined],
    [Buffer.from([0xff, 0x7c, 0x4e, 0x3b]), 'php', 'BAD_NAME', 0],
    ['s:3:"abc";', 'php_serialize', 'NOT_AN_ARRAY', 0],
    ['a:0:{}junk', 'php_serialize', 'TRAILING_DATA', 6],
    ['a:1:{s:1:"k";O:3:"Foo":1:{s:1:"p";i:1;', 'php_serialize', 'TRUNCATED', undefined],
    ['a:1:{s:1:"k";E:5:"NoSep";}', 'php_serialize', 'BAD_SYNTAX', undefined],
    ['a:1:{s:1:"k";C:3:"Foo":50:{xx}}', 'php_serialize', 'BAD_LENGTH', undefined],
  ];
  for (const [payload, format, code, offset] of cases) {
    const r = decodePhpSession(payload, format);
    assert.equal(r.ok, false, `${String(payload)} should fail`);
    if (r.ok) continue;
    assert.equal(r.error.code, code, `${String(payload)}: ${r.error.message}`);
    if (offset !== undefined) assert.equal(r.error.offset, offset, `${String(payload)} offset`);
    assert.ok(r.error.message.length > 0);
  }
});

test('every truncation of a real payload is an error, never a throw or a hang', () => {
  for (const format of formats) {
    const full = fixture('cart', format);
    for (let len = 1; len < full.length; len++) {
      const r = decodePhpSession(full.subarray(0, len), format);
      // A php-format prefix can end exactly after a complete variable: that is valid.
      if (r.ok) {
        assert.equal(format, 'php', `php_serialize prefix of ${len} bytes decoded`);
        continue;
      }
      assert.ok(r.error.offset >= 0 && r.error.offset <= len, `offset ${r.error.offset} within ${len}`);
    }
  }
});

test('single-byte corruption of a real payload never throws', () => {
  for (const format of formats) {
    const full = fixture('nested', format);
    for (let i = 0; i < full.length; i++) {
      for (const byte of [0x00, 0x3a, 0x3b, 0x7b, 0x7d, 0x39, 0x61]) {
        const copy = Buffer.from(full);
        copy[i] = byte;
        const r = decodePhpSession(copy, format);
        assert.equal(typeof r.ok, 'boolean');
        if (!r.ok) assert.notEqual(r.error.code, 'INTERNAL', r.error.message);
      }
    }
  }
});

test('deep nesting hits the depth limit (not the JS stack), and maxDepth is honoured', () => {
  const depth = 100_000;
  const deep = 'a:1:{i:0;'.repeat(depth) + 'N;' + '}'.repeat(depth);
  const r = decodePhpSession(`v|${deep}`, 'php');
  assert.equal(errorCode(r), 'DEPTH_LIMIT');
  const three = 'v|a:1:{i:0;a:1:{i:0;a:1:{i:0;N;}}}';
  assert.equal(errorCode(decodePhpSession(three, 'php', { maxDepth: 2 })), 'DEPTH_LIMIT');
  assert.deepStrictEqual(value(decodePhpSession(three, 'php', { maxDepth: 3 })), { v: [[[null]]] });
});

test('huge declared sizes are refused before allocating', () => {
  const r1 = decodePhpSession('v|a:2147483647:{', 'php');
  assert.equal(errorCode(r1), 'BAD_LENGTH');
  const r2 = decodePhpSession('v|s:2147483647:"', 'php');
  assert.equal(errorCode(r2), 'BAD_LENGTH');
  const r3 = decodePhpSession('v|O:2147483647:"', 'php');
  assert.equal(errorCode(r3), 'BAD_LENGTH');
});

test('bad arguments are reported, not thrown', () => {
  assert.equal(errorCode(decodePhpSession('a:0:{}', 'igbinary' as PhpSessionFormat)), 'INVALID_ARGUMENT');
  assert.equal(errorCode(decodePhpSession(42 as unknown as string, 'php')), 'INVALID_ARGUMENT');
});
