import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar, cookieHeader, headerValue, storeSetCookies } from '../../harness/workload/cookie-jar.js';

test('stores a single Set-Cookie string, ignoring its attributes', () => {
  const jar = new Map<string, string>();
  storeSetCookies(jar, 'PHPSESSID=abc123; path=/; HttpOnly');
  assert.deepEqual([...jar], [['PHPSESSID', 'abc123']]);
  assert.equal(cookieHeader(jar), 'PHPSESSID=abc123');
});

test('stores every cookie of a Set-Cookie array and sends them all back', () => {
  const jar = new Map<string, string>();
  storeSetCookies(jar, ['PHPSESSID=abc; path=/; HttpOnly', 'SRV=node-2; path=/', ' theme = dark ; Secure']);
  assert.equal(jar.get('PHPSESSID'), 'abc');
  assert.equal(jar.get('SRV'), 'node-2');
  assert.equal(jar.get('theme'), 'dark');
  assert.equal(cookieHeader(jar), 'PHPSESSID=abc; SRV=node-2; theme=dark');
});

test('a later Set-Cookie replaces the value of the same name', () => {
  const jar = new Map<string, string>([['PHPSESSID', 'old'], ['SRV', 'node-1']]);
  storeSetCookies(jar, 'PHPSESSID=new; path=/');
  assert.equal(cookieHeader(jar), 'PHPSESSID=new; SRV=node-1');
});

test('keeps "=" inside a value (base64 padding)', () => {
  const jar = new Map<string, string>();
  storeSetCookies(jar, 'token=YWJj==; Path=/');
  assert.equal(jar.get('token'), 'YWJj==');
});

test('deleted cookies leave the jar: value "deleted", empty value, Max-Age=0', () => {
  const jar = new Map<string, string>([['A', '1'], ['B', '2'], ['C', '3'], ['D', '4']]);
  storeSetCookies(jar, [
    'A=deleted; expires=Thu, 01-Jan-1970 00:00:01 GMT; Max-Age=0; path=/',
    'B=; path=/',
    'C=still-there; path=/; max-age=0',
  ]);
  assert.deepEqual([...jar.keys()], ['D']);
  assert.equal(cookieHeader(jar), 'D=4');
});

test('Max-Age other than 0 keeps the cookie', () => {
  const jar = new Map<string, string>();
  storeSetCookies(jar, 'A=1; Max-Age=0600');
  storeSetCookies(jar, 'B=2; Max-Age=3600');
  assert.equal(cookieHeader(jar), 'A=1; B=2');
});

test('ignores undefined and malformed lines', () => {
  const jar = new Map<string, string>([['A', '1']]);
  storeSetCookies(jar, undefined);
  storeSetCookies(jar, ['no-equals-sign; path=/', '=novalue', '']);
  assert.deepEqual([...jar], [['A', '1']]);
});

test('cookieHeader of an empty jar is empty', () => {
  assert.equal(cookieHeader(new Map()), '');
});

test('headerValue finds a header whatever the case of its name', () => {
  const haproxy = { 'set-cookie': ['SRV=node-1; path=/'], 'content-type': 'application/json' };
  assert.deepEqual(headerValue(haproxy, 'Set-Cookie'), ['SRV=node-1; path=/']);
  assert.equal(headerValue(haproxy, 'Content-Type'), 'application/json');
  const nginx = { 'Set-Cookie': 'PHPSESSID=x; path=/' };
  assert.equal(headerValue(nginx, 'set-cookie'), 'PHPSESSID=x; path=/');
  assert.equal(headerValue(nginx, 'SET-COOKIE'), 'PHPSESSID=x; path=/');
  assert.equal(headerValue(nginx, 'Set-Cookie2'), undefined);
  assert.equal(headerValue({}, 'set-cookie'), undefined);
});

test('a lowercased HAProxy Set-Cookie array fills the jar through headerValue', () => {
  const jar = new Map<string, string>();
  storeSetCookies(jar, headerValue({ 'set-cookie': ['SRV=node-3; path=/', 'PHPSESSID=q; path=/'] }, 'Set-Cookie'));
  assert.equal(cookieHeader(jar), 'SRV=node-3; PHPSESSID=q');
});

test('CookieJar: the same header as a plain Map, kept between requests and renewed on every change', () => {
  const jar = new CookieJar();
  const map = new Map<string, string>();
  assert.equal(cookieHeader(jar), '');
  for (const header of ['PHPSESSID=abc; path=/', ['SRV=node-2; path=/', 'theme=dark'], 'PHPSESSID=def', 'SRV=deleted', 'theme=; path=/']) {
    storeSetCookies(jar, header);
    storeSetCookies(map, header);
    assert.equal(cookieHeader(jar), cookieHeader(map), JSON.stringify(header));
    assert.equal(cookieHeader(jar), cookieHeader(jar));
  }
  assert.equal(cookieHeader(jar), 'PHPSESSID=def');
  // Changed by hand, not through storeSetCookies: still never stale.
  jar.set('X', '1');
  assert.equal(cookieHeader(jar), 'PHPSESSID=def; X=1');
  jar.delete('PHPSESSID');
  assert.equal(cookieHeader(jar), 'X=1');
  jar.clear();
  assert.equal(cookieHeader(jar), '');
  assert.ok(jar instanceof Map, 'a Map to everything that reads it');
});
