/**
 * The checker reads every answer with a character scan of the app's own JSON shape and leaves
 * everything else to JSON.parse: the two must agree on every body, whatever the scan accepts.
 * Property-based (fast-check): app-like answers (every field of any JSON type, escapes,
 * control characters, odd numbers, repeated keys, whitespace), then cut or with one character
 * changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAppAnswer, parseAppAnswerJson, scanAppAnswer } from '../../harness/checks/session-checker.js';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const fcOptions = (numRuns: number) => ({ numRuns, seed, endOnFailure: true });
test(`fast-check seed ${seed} (replay with FC_SEED=${seed})`, () => {});

/** What the app answers (harness/php-app/index.php), key order and all. */
const appBody = (visitCount: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    node: 'node-2',
    sid: 'k1l2m3n4o5p6q7r8s9t0u1v2w3',
    session_started: true,
    written: true,
    warnings: [],
    visit_count: visitCount,
    user: 'u17',
    variableString: 't17-1x9zq',
    handler: 'redis',
    serializer: 'php',
    pid: 4242,
    ...extra,
  }) + '\n';

test('scan: the app\'s usual answers are read by the scan itself, to the same fields as JSON.parse', () => {
  for (const body of [
    appBody(1),
    appBody(12345, { user: null, variableString: null }),
    appBody(1, { session_started: false, written: null, sid: '' }),
    appBody(3, { written: false, warnings: ['session_write_close(): Failed to write session data (redis)', 7, null] }),
    '{"visit_count":0}',
    '{"visit_count":-0,"node":"x"} \t\r\n',
  ]) {
    const scanned = scanAppAnswer(body);
    assert.notEqual(scanned, undefined, `the scan should read ${body}`);
    assert.deepEqual(scanned, parseAppAnswerJson(body), body);
  }
});

test('scan: what it cannot vouch for is left to JSON.parse (escapes, floats, nesting, whitespace, bad JSON)', () => {
  for (const body of [
    appBody(2, { user: 'a"b' }),
    appBody(2, { variableString: 'tab\there' }),
    '{"visit_count":1.0}',
    '{"visit_count":1e3}',
    '{"visit_count":01}',
    
    '{"visit_count":1234567890123456}',
    '{"visit_count":1,"payload":{"a":1}}',
    '{"visit_count":1,"warnings":[["x"]]}',
    '{ "visit_count":1}',
    ' {"visit_count":1}',
    '{"visit_count":1,}',
    '{"visit_count":1',
    '{"visit_count":tru}',
    '{"visit_count":1}x',
    '{"a":"raw\u0001control","visit_count":1}',
    '<html>502 Bad Gateway</html>',
    '',
  ]) {
    assert.equal(scanAppAnswer(body), undefined, body);
    assert.deepEqual(parseAppAnswer(body), parseAppAnswerJson(body), body);
  }
  assert.equal(parseAppAnswer('{"visit_count":1.0}')!.visitCount, 1);
  assert.equal(parseAppAnswer('{"visit_count":01}'), null);
});

test('scan: a repeated key counts as its last value, as in JSON.parse', () => {
  for (const body of [
    '{"visit_count":1,"visit_count":"2"}',
    '{"visit_count":"2","visit_count":3}',
    '{"visit_count":1,"user":"u1","user":null}',
    '{"visit_count":1,"warnings":["a"],"warnings":true}',
    '{"visit_count":1,"written":true,"written":"yes"}',
  ]) {
    assert.notEqual(scanAppAnswer(body), undefined, body);
    assert.deepEqual(parseAppAnswer(body), parseAppAnswerJson(body), body);
  }
});

const anyValue = fc.oneof(
  fc.string({ unit: 'grapheme-composite', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '€', '\ud800'),
  fc.integer(),
  fc.constantFrom(0, -0, 1, 2 ** 53, 1e21, 0.5, -1.5, 1e-7),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.boolean(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const field = fc.constantFrom('node', 'sid', 'session_started', 'written', 'warnings', 'visit_count', 'user', 'variableString', 'handler', 'pid', 'visit_coun', 'users', '');
/** An app-like body: the fields in any order, of any type, some twice, with whatever spacing JSON.stringify puts. */
const body = fc
  .tuple(
    fc.array(fc.tuple(field, anyValue), { maxLength: 12 }),
    fc.option(fc.integer({ min: -5, max: 10 ** 6 })),
    fc.constantFrom('', '\n', ' ', '  \t'),
    fc.constantFrom(undefined, 1, '  '),
  )
  .map(([pairs, count, tail, space]) => {
    const members = pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v, null, space)}`);
    if (count !== null) members.splice(Math.min(members.length, 4), 0, `"visit_count":${count}`);
    return `{${members.join(',')}}${tail}`;
  });

test('property: parseAppAnswer agrees with JSON.parse on app-like bodies, cut bodies and bodies with a character changed', () => {
  fc.assert(
    fc.property(body, fc.nat(), fc.nat(), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), (text, cutAt, changeAt, char) => {
      const cut = text.slice(0, cutAt % (text.length + 1));
      const i = changeAt % Math.max(1, text.length);
      const changed = text.slice(0, i) + char + text.slice(i + 1);
      for (const b of [text, cut, changed]) assert.deepEqual(parseAppAnswer(b), parseAppAnswerJson(b), JSON.stringify(b));
    }),
    fcOptions(20_000),
  );
});

test('property: the scan reads (rather than leaves to JSON.parse) the app\'s own answers, whatever their values', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 10 ** 9 }),
      fc.option(fc.stringMatching(/^[A-Za-z0-9_.-]{0,20}$/)),
      fc.option(fc.stringMatching(/^[A-Za-z0-9_.-]{0,20}$/)),
      fc.boolean(),
      fc.constantFrom(true, false, null),
      (count, user, token, started, written) => {
        const b = appBody(count, { user, variableString: token, session_started: started, written });
        const scanned = scanAppAnswer(b);
        assert.notEqual(scanned, undefined, b);
        assert.deepEqual(scanned, parseAppAnswerJson(b));
      },
    ),
    fcOptions(2_000),
  );
});
