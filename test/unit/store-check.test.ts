import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newUserModel, type UserModel } from '../../harness/checks/session-checker.js';
import {
  buildStoreCheckSection,
  checkStoredSessions,
  compareWithVerdict,
  judgeStoredUser,
  storeCheckSectionSchema,
  type SessionCounts,
  type StoreCheckOptions,
  type StoreCheckSection,
} from '../../harness/redis-inspect/store-check.js';
import { storeCheckHtml, storeCheckSection } from '../../harness/report/store-check-html.js';
import { applyThresholds } from '../../harness/runner/finish-run.js';
import type { RunResult } from '../../harness/results/result-schema.js';
import { makeResult } from '../fixtures/results/make-result.js';

const PREFIX = 'PHPREDIS_SESSION:';

/** serialize() of a string: the length is in BYTES. */
const s = (v: string) => `s:${Buffer.byteLength(v)}:"${v}";`;
const i = (v: number) => `i:${v};`;

type Vars = Record<string, string | number>;
const enc = (v: string | number) => (typeof v === 'number' ? i(v) : s(v));

/** What PHP writes for $_SESSION = vars, with session.serialize_handler = format. */
function encode(format: 'php' | 'php_serialize', vars: Vars): string {
  const entries = Object.entries(vars);
  if (format === 'php') return entries.map(([k, v]) => `${k}|${enc(v)}`).join('');
  return `a:${entries.length}:{${entries.map(([k, v]) => s(k) + enc(v)).join('')}}`;
}

interface UserSpec {
  id?: string;
  sid?: string | null;
  lastCount?: number;
  tokenStored?: boolean;
  finalHasToken?: boolean | null;
  nonOk?: number;
  leaked?: boolean;
}

let next = 0;
/** A user the HTTP check saw intact (count 3, token acknowledged, final read held it), unless told otherwise. */
function user(spec: UserSpec = {}): UserModel {
  next++;
  const id = spec.id ?? `u${next}`;
  const u = newUserModel(id, `t${next}-tok`);
  const sid = spec.sid === undefined ? `sid${next}abcdefghijklmnopqrstuvwxyz` : spec.sid;
  if (sid !== null) u.cookies.set('PHPSESSID', sid);
  u.lastCount = spec.lastCount ?? 3;
  u.tokenStored = spec.tokenStored ?? true;
  u.finalHasToken = spec.finalHasToken === undefined ? true : spec.finalHasToken;
  u.nonOk = spec.nonOk ?? 0;
  u.leaked = spec.leaked ?? false;
  u.answers = u.lastCount;
  return u;
}

/** The session the app would hold for this user (overrides per field; null drops it). */
function sessionOf(u: UserModel, over: Partial<Record<'visit_count' | 'user' | 'variableString', string | number | null>> = {}): Vars {
  const vars: Record<string, string | number | null> = { visit_count: u.lastCount, user: u.id, variableString: u.token, ...over };
  return Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== null)) as Vars;
}

/** A store: key -> value. */
function store(entries: Array<[UserModel, string | Buffer]>): (key: string) => string | Buffer | null {
  const map = new Map(entries.map(([u, v]) => [PREFIX + u.cookies.get('PHPSESSID'), v]));
  return (key) => map.get(key) ?? null;
}

const counts = (users: UserModel[]): SessionCounts => {
  const c = { users: users.length, intact: 0, recovered: 0, lost: 0, unknown: 0, unserved: 0 };
  for (const u of users) {
    if (u.leaked) c.lost++;
    else if (!u.tokenStored) c.unserved++;
    else if (u.finalHasToken === null) c.unknown++;
    else if (!u.finalHasToken) c.lost++;
    else if (u.nonOk === 0) c.intact++;
    else c.recovered++;
  }
  return c;
};

function section(users: UserModel[], read: (key: string) => string | Buffer | null, options: Partial<StoreCheckOptions> = {}): StoreCheckSection {
  const out = buildStoreCheckSection(users, read, { serializer: 'php', ...options });
  const parsed = storeCheckSectionSchema.safeParse(out);
  assert.ok(parsed.success, `section fits its schema: ${parsed.success ? '' : JSON.stringify(parsed.error.issues)}`);
  return out;
}

for (const format of ['php', 'php_serialize'] as const) {
  test(`${format}: sessions as PHP stores them decode and agree with the model`, () => {
    const users = [user(), user({ lastCount: 7 }), user({ id: 'ü-ñ', lastCount: 1 })];
    const out = section(users, store(users.map((u) => [u, encode(format, { ...sessionOf(u), cart: 'x' })])), { serializer: format });
    assert.equal(out.status, 'checked');
    assert.deepEqual([out.users, out.checked, out.agree, out.disagree, out.missing, out.undecodable, out.skipped], [3, 3, 3, 0, 0, 0, 0]);
    assert.equal(out.byVerdict.intact.token, 3);
    const cmp = compareWithVerdict(out, counts(users));
    assert.equal(cmp.status, 'agrees');
    assert.equal(cmp.statement, 'store agrees with the HTTP verdict for 3 of 3 users');
  });
}

test('a stored value is also accepted as a Buffer (what MGET gives)', () => {
  const u = user();
  const finding = judgeStoredUser(u, Buffer.from(encode('php', sessionOf(u))), { serializer: 'php' });
  assert.equal(finding.state, 'agree');
  assert.equal(finding.store, 'token');
});

test('disagreement: the store lost an acknowledged increment (visit_count below the model)', () => {
  const u = user({ id: 'u-low', lastCount: 5 });
  const out = section([u], store([[u, encode('php', sessionOf(u, { visit_count: 3 }))]]));
  assert.equal(out.disagree, 1);
  assert.equal(out.agree, 0);
  assert.deepEqual(out.disagreeByField, { token: 0, user: 0, visit_count: 1 });
  assert.equal(out.samples.length, 1);
  const [sample] = out.samples;
  assert.deepEqual({ user: sample!.user, field: sample!.field, store: sample!.store, model: sample!.model }, { user: 'u-low', field: 'visit_count', store: 3, model: 5 });
  // The token is still there: the verdict cross-check agrees (visit_count is a field rule only).
  assert.equal(compareWithVerdict(out, counts([u])).status, 'agrees');  // The boundary: one acknowledged increment gone disagrees; exactly the acknowledged count agrees.
  const oneGone = user({ id: 'u-one', lastCount: 5 });
  const exact = user({ id: 'u-exact', lastCount: 5 });
  const edge = section([oneGone, exact], store([[oneGone, encode('php', sessionOf(oneGone, { visit_count: 4 }))], [exact, encode('php', sessionOf(exact, { visit_count: 5 }))]]));
  assert.deepEqual(edge.samples.map((x) => x.user), ['u-one']);
  assert.equal(edge.agree, 1);
});

test('visit_count above the model: allowed by one per unacknowledged answer, and by one for a touched user', () => {
  const clean = user({ lastCount: 4 });
  const oneError = user({ lastCount: 4, nonOk: 1 });
  const twoAhead = user({ lastCount: 4, nonOk: 1 });
  const touched = user({ lastCount: 4 });
  const values = store([
    [clean, encode('php', sessionOf(clean, { visit_count: 5 }))],
    [oneError, encode('php', sessionOf(oneError, { visit_count: 5 }))],
    [twoAhead, encode('php', sessionOf(twoAhead, { visit_count: 6 }))],
    [touched, encode('php', sessionOf(touched, { visit_count: 5 }))],
  ]);
  const out = section([clean, oneError, twoAhead, touched], values, { touchedUsers: [touched.id] });
  assert.deepEqual(out.samples.map((x) => x.user), [clean.id, twoAhead.id]);
  assert.equal(out.agree, 2);
  // Not compared at all when asked (burst workloads).
  const off = section([clean, oneError, twoAhead, touched], values, { compareVisitCount: false });
  assert.equal(off.agree, 4);
  assert.equal(off.visitCountCompared, false);
});

test('a user the HTTP check called lost: a lower count agrees, its token still in Redis disagrees', () => {
  const goneLower = user({ finalHasToken: false, nonOk: 1, lastCount: 9 });
  const stillThere = user({ finalHasToken: false, nonOk: 1 });
  const users = [user(), goneLower, stillThere];
  const read = store([
    [users[0]!, encode('php', sessionOf(users[0]!))],
    [goneLower, encode('php', sessionOf(goneLower, { visit_count: 1, variableString: null }))],
    [stillThere, encode('php', sessionOf(stillThere))],
  ]);
  const out = section(users, read);
  assert.equal(out.agree, 2);
  assert.equal(out.disagree, 1);
  assert.deepEqual(out.samples.map((x) => [x.user, x.field, x.store, x.model]), [[stillThere.id, 'token', stillThere.token, null]]);
  assert.deepEqual(out.byVerdict.lost, { token: 1, noToken: 1, missing: 0, undecodable: 0, skipped: 0 });
  const cmp = compareWithVerdict(out, counts(users));
  assert.equal(cmp.status, 'disagrees');
  assert.equal(cmp.lostWithToken, 1);
  assert.equal(cmp.statement, 'store agrees with the HTTP verdict for 2 of 3 users; 1 user the HTTP check called lost still has its token in Redis');
});

test("another user's token or id in a user's session disagrees; a missing user field too", () => {
  const a = user();
  const b = user();
  const c = user();
  const out = section(
    [a, b, c],
    store([
      [a, encode('php', sessionOf(a, { variableString: b.token }))],
      [b, encode('php', sessionOf(b, { user: a.id }))],
      [c, encode('php', sessionOf(c, { user: null }))],
    ]),
  );
  assert.equal(out.disagree, 3);
  assert.deepEqual(out.disagreeByField, { token: 1, user: 2, visit_count: 0 });
  assert.deepEqual(out.samples.map((x) => [x.user, x.field, x.store, x.model]), [
    [a.id, 'token', b.token, a.token],
    [b.id, 'user', a.id, b.id],
    [c.id, 'user', null, c.id],
  ]);
});

test('missing key: counted apart, sampled, and a kept user without a key contradicts the verdict', () => {
  const kept = user({ id: 'u-kept' });
  const lost = user({ id: 'u-lost', finalHasToken: false, nonOk: 2 });
  const out = section([kept, lost], () => null);
  assert.deepEqual([out.checked, out.missing, out.agree, out.disagree], [2, 2, 0, 0]);
  assert.deepEqual(out.missingSamples, ['u-kept', 'u-lost']);
  const cmp = compareWithVerdict(out, counts([kept, lost]));
  assert.equal(cmp.status, 'disagrees');
  assert.equal(cmp.keptMissing, 1);
  assert.equal(cmp.statement, 'store agrees with the HTTP verdict for 1 of 2 users; 1 user the HTTP check called intact or recovered has no token in Redis (no key)');
});

test('undecodable: the serializer and the decoder error are kept; not compared with the verdict', () => {
  const garbled = user({ id: 'u-garbled' });
  const wrongFormat = user({ id: 'u-wrong' });
  const ok = user();
  const read = store([
    [garbled, 'visit_count|i:3;user|s:99:"u1";'],
    // A php node wrote it; the run reads php_serialize (nodes with different serializers).
    [wrongFormat, encode('php', sessionOf(wrongFormat))],
    [ok, encode('php_serialize', sessionOf(ok))],
  ]);
  const out = section([garbled, wrongFormat, ok], read, { serializer: 'php_serialize' });
  assert.deepEqual([out.checked, out.undecodable, out.agree], [3, 2, 1]);
  assert.deepEqual(out.undecodableSamples.map((x) => [x.user, x.serializer, x.code]), [
    ['u-garbled', 'php_serialize', 'NOT_AN_ARRAY'],
    ['u-wrong', 'php_serialize', 'NOT_AN_ARRAY'],
  ]);
  const php = section([garbled], read, { serializer: 'php' });
  assert.equal(php.undecodableSamples[0]!.code, 'BAD_LENGTH');
  assert.ok(php.undecodableSamples[0]!.message.length > 0);
  const cmp = compareWithVerdict(out, counts([garbled, wrongFormat, ok]));
  assert.equal(cmp.statement, 'store agrees with the HTTP verdict for 1 of 1 user; not compared: 2 undecodable');
});

test('skipped: users without a session id; unknown and unserved users are read but not compared', () => {
  const noSid = user({ sid: null, tokenStored: false, finalHasToken: null, lastCount: 0 });
  const unknownWith = user({ finalHasToken: null });
  const unknownWithout = user({ finalHasToken: null });
  const unserved = user({ tokenStored: false, finalHasToken: null, lastCount: 0, nonOk: 1 });
  const users = [noSid, unknownWith, unknownWithout, unserved, user()];
  const read = store([
    [unknownWith, encode('php', sessionOf(unknownWith))],
    [unknownWithout, encode('php', sessionOf(unknownWithout, { variableString: null }))],
    // An unserved user whose write went through while its answer was lost: may hold the token.
    [unserved, encode('php', sessionOf(unserved, { visit_count: 1 }))],
    [users[4]!, encode('php', sessionOf(users[4]!))],
  ]);
  const out = section(users, read);
  assert.deepEqual([out.users, out.checked, out.skipped, out.agree, out.disagree], [5, 4, 1, 3, 1]);
  assert.deepEqual(out.samples.map((x) => [x.user, x.field]), [[unknownWithout.id, 'token']]);
  assert.equal(out.byVerdict.unserved.skipped, 1);
  const cmp = compareWithVerdict(out, counts(users));
  assert.equal(
    cmp.statement,
    'store agrees with the HTTP verdict for 1 of 1 user; not compared: 2 unknown, 2 unserved; Redis holds the token for 1 of the 2 users the final read could not judge',
  );
});

test('a leaked user is not compared with the verdict (the store cannot see a leak in transit)', () => {
  const leaked = user({ leaked: true, finalHasToken: true, nonOk: 1 });
  const out = section([leaked], store([[leaked, encode('php', sessionOf(leaked))]]));
  assert.equal(out.byVerdict.leaked.token, 1);
  const cmp = compareWithVerdict(out, counts([leaked]));
  assert.equal(cmp.status, 'not-compared');
  assert.equal(cmp.statement, 'no user could be compared with the HTTP verdict; not compared: 1 lost by a leak');
});

test('a store check of other users than the verdict is called a mismatch, not an agreement', () => {
  const users = [user(), user()];
  const out = section(users, store(users.map((u) => [u, encode('php', sessionOf(u))])));
  const cmp = compareWithVerdict(out, { users: 2, intact: 1, recovered: 0, lost: 1, unknown: 0, unserved: 0 });
  assert.equal(cmp.status, 'mismatch');
  assert.match(cmp.statement, /store check: 2 intact, 0 lost; verdict: 1 intact, 1 lost/);
});

test('serializers the decoder cannot read: not-checked with the reason, and Redis is not contacted', async () => {
  const users = [user(), user({ sid: null })];
  for (const serializer of ['php_binary', 'igbinary', 'msgpack']) {
    // Port 1: connecting would fail, so a section proves nothing was read.
    const out = await checkStoredSessions({ host: '127.0.0.1', port: 1 }, users, { serializer });
    assert.ok(storeCheckSectionSchema.safeParse(out).success);
    assert.equal(out.status, 'not-checked');
    assert.match(out.reason!, new RegExp(`${serializer} cannot be decoded`));
    assert.deepEqual([out.checked, out.skipped], [0, 2]);
    const cmp = compareWithVerdict(out, counts(users));
    assert.equal(cmp.status, 'not-compared');
    assert.match(cmp.statement, /^store not checked: the decoder reads php and php_serialize/);
  }
  await assert.rejects(checkStoredSessions({ host: '127.0.0.1', port: 1 }, users, { serializer: 'json' }), /unknown serializer "json"/);
  await assert.rejects(checkStoredSessions({ host: '127.0.0.1', port: 1 }, users, { serializer: 'php', prefix: '' }), /prefix must not be empty/);
});

test('the prefix and the cookie name come from the options', () => {
  const u = newUserModel('u1', 'tok');
  u.cookies.set('MYSESS', 'abc');
  u.lastCount = 1;
  u.tokenStored = true;
  u.finalHasToken = true;
  u.answers = 1;
  const value = encode('php', { visit_count: 1, user: 'u1', variableString: 'tok' });
  const out = section([u], (key) => (key === 'app:abc' ? value : null), { prefix: 'app:', cookieName: 'MYSESS' });
  assert.equal(out.agree, 1);
  assert.equal(section([u], (key) => (key === 'app:abc' ? value : null)).skipped, 1);
});

test('samples are capped at 10 and long values cut; the schema refuses inconsistent counts', () => {
  const users = Array.from({ length: 15 }, () => user());
  const out = section(users, store(users.map((u) => [u, encode('php', sessionOf(u, { user: 'x'.repeat(500), visit_count: 99 }))])));
  assert.equal(out.disagree, 15);
  assert.equal(out.samples.length, 10);
  assert.ok((out.samples[0]!.store as string).length <= 201);
  assert.equal(storeCheckSectionSchema.safeParse({ ...out, agree: 1 }).success, false);
  assert.equal(storeCheckSectionSchema.safeParse({ ...out, users: 14 }).success, false);
});

test('report: the table, the statement and the samples, every result string escaped', () => {
  const evil = '<script>alert(1)</script>';
  const u = user({ id: evil, finalHasToken: false, nonOk: 1 });
  const out = section([u, user()], store([[u, encode('php', sessionOf(u, { user: `"><img src=x onerror=1>` }))]]));
  const html = storeCheckHtml(out, counts([u, user({ sid: null })]));
  assert.ok(!html.includes('<script>') && !html.includes('<img'), html);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  const page = storeCheckSection(
    [
      { sessions: counts([u]) },
      { redis: { storeCheck: out }, sessions: counts([u, user({ sid: null })]) },
      { redis: { storeCheckError: 'connect ECONNREFUSED <b>' }, sessions: counts([]) },
    ],
    [
      { label: 'a', color: '#000' },
      { label: 'b<i>', color: '#111' },
      { label: 'c', color: '#222' },
    ],
  );
  assert.ok(page);
  assert.equal(page.id, 'store-check');
  assert.equal((page.html.match(/class="card"/g) ?? []).length, 2);
  assert.ok(page.html.includes('b&lt;i&gt;'));
  assert.ok(page.html.includes('the store could not be read: connect ECONNREFUSED &lt;b&gt;'));
  assert.ok(page.html.includes('called lost still has its token in Redis'));
  assert.ok(page.html.includes('badge fail'));
  assert.equal(storeCheckSection([{ sessions: counts([]) }], []), null);
  // A result file is input: a not-checked section's reason and the serializer are escaped too.
  const notChecked = { ...section([], () => null), status: 'not-checked' as const, reason: '<script>x</script>', serializer: '<i onclick=1>' };
  const plain = storeCheckHtml(notChecked, counts([]));
  assert.ok(!plain.includes('<script>') && !plain.includes('<i onclick'), plain);
  assert.ok(plain.includes('store not checked: &lt;script&gt;'));
});

// The store check as a verdict check (harness/checks/run-checks.ts): a cross-check that could
// not be computed is unknown, so the run does not pass; a store that contradicts the verdict fails.
test('verdict: store_check passes when the store agrees, fails when it disagrees, is unknown when it could not be read', () => {
  const users = [user(), user()];
  const sessions = { ...counts(users), unknown: 0 };
  const result = (redis: unknown, probeErrors?: Record<string, string>) => {
    const r = makeResult({ users: users.length, recoveryMs: [] });
    r.sessions = { ...r.sessions, ...sessions, lossRate: 0 };
    return applyThresholds({ ...r, ...(redis ? { redis } : {}), ...(probeErrors ? { probeErrors } : {}) } as RunResult);
  };
  const check = (r: RunResult) => r.thresholds!.results.find((t) => t.metric === 'store_check');

  const agrees = result({ storeCheck: section(users, store(users.map((u) => [u, encode('php', sessionOf(u))]))) });
  assert.equal(check(agrees)?.passed, true, check(agrees)?.message);
  assert.equal(agrees.verdict?.status, 'passed');

  const gone = result({ storeCheck: section(users, store([[users[0]!, encode('php', sessionOf(users[0]!))]])) });
  assert.equal(check(gone)?.passed, false);
  assert.match(check(gone)!.message!, /no token in Redis.*the HTTP verdict is in doubt/);
  assert.equal(gone.verdict?.status, 'failed');

  const unread = result({ storeCheckError: 'connect ECONNREFUSED 127.0.0.1:6379' });
  assert.equal(check(unread)?.passed, null);
  assert.match(check(unread)!.message!, /unknown: the store could not be read \(connect ECONNREFUSED/);
  assert.equal(unread.verdict?.status, 'unknown');

  const noProbe = result(null, { redis: 'Redis did not answer INFO within 5000 ms' });
  assert.equal(check(noProbe)?.passed, null);
  assert.equal(noProbe.verdict?.status, 'unknown');
});

test('verdict: no store_check where nothing is there to read by design', () => {
  const users = [user()];
  const plain = (extra: Partial<RunResult>) => applyThresholds({ ...makeResult({ users: 1, recoveryMs: [] }), ...extra } as RunResult);
  const has = (r: RunResult) => r.thresholds!.results.some((t) => t.metric === 'store_check');
  assert.equal(has(plain({})), false, 'a strategy without Redis');
  assert.equal(has(plain({ probeErrors: { redis: 'not inspected: the external deployment names no Redis URL' } })), false);
  const igbinary = section(users, () => null, { serializer: 'igbinary' });
  assert.equal(has(plain({ redis: { storeCheck: igbinary } } as unknown as Partial<RunResult>)), false, 'a serializer the decoder does not read');
});
