/**
 * The inspection against sessions written by the real phpredis session handler (php CLI,
 * one process per "request"), not by hand-made SETs: TTL check passes, the TTL is
 * refreshed by use, the stored payloads decode, and commands per request are phpredis's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  checkTtlRefreshedByUse,
  diffCommandStats,
  inspectSessions,
  redisResultSection,
  sampleCommandStats,
  sessionKey,
} from '../../harness/redis-inspect/index.js';
import { decodePhpSession, type PhpSessionFormat } from '../../harness/serialization/php-session-decoder.js';
import { useRedisServer } from '../helpers/redis-server.js';

const run = promisify(execFile);

const redis = useRedisServer();

const target = () => ({ host: '127.0.0.1', port: redis.port });
const GC_MAXLIFETIME = 1440;

/** What the app does per request, through phpredis's session handler. Returns the session id. */
const requestCode = `
ini_set('session.use_cookies', '0');
ini_set('session.save_handler', 'redis');
ini_set('session.save_path', 'tcp://127.0.0.1:' . $argv[1] . '?timeout=2&read_timeout=2');
ini_set('session.gc_maxlifetime', '${GC_MAXLIFETIME}');
ini_set('session.serialize_handler', $argv[2]);
if (($argv[3] ?? '') !== '') session_id($argv[3]);
if (!session_start()) { fwrite(STDERR, "session_start failed\\n"); exit(1); }
$_SESSION['visit_count'] = ($_SESSION['visit_count'] ?? 0) + 1;
$_SESSION['user'] ??= $argv[4] ?? 'anon';
$_SESSION['cart'] ??= ['items' => [['sku' => 'SKU-1', 'qty' => 2, 'price' => 9.99]], 'note' => 'héllo'];
echo session_id();
`;

async function phpRequest(format: PhpSessionFormat, sid = '', user = 'anon'): Promise<string> {
  const { stdout } = await run('php', ['-r', requestCode, '--', String(redis.port), format, sid, user]);
  assert.match(stdout, /^[A-Za-z0-9,-]{22,}$/, `session id from php: ${stdout}`);
  return stdout;
}

test('sessions written by phpredis: keys per user, TTL check passes, payloads decode', async () => {
  for (const format of ['php', 'php_serialize'] as const) {
    await redis.client.flushall();
    const users = 6;
    const sids: string[] = [];
    for (let u = 0; u < users; u++) sids.push(await phpRequest(format, '', `user-${u}`));
    await phpRequest(format, sids[0], 'user-0'); // a second visit: same key

    const r = await inspectSessions(target(), { users, expectedTtlS: GC_MAXLIFETIME });
    assert.equal(r.keys, users, format);
    assert.equal(r.keysWithoutTtl, 0);
    assert.equal(r.ttlCheck.passed, true, r.ttlCheck.message);
    assert.ok(r.bytesPerSession !== null && r.bytesPerSession > 0);

    for (const [u, sid] of sids.entries()) {
      const raw = await redis.client.getBuffer(sessionKey(sid));
      assert.ok(raw, `key for ${sid}`);
      const decoded = decodePhpSession(raw, format);
      if (!decoded.ok) assert.fail(`${format}: ${decoded.error.code} ${decoded.error.message}`);
      assert.equal(decoded.value.visit_count, u === 0 ? 2 : 1);
      assert.equal(decoded.value.user, `user-${u}`);
      assert.deepStrictEqual(decoded.value.cart, { items: [{ sku: 'SKU-1', qty: 2, price: 9.99 }], note: 'héllo' });
    }
  }
});

test('phpredis 5.x without locking: GET + SETEX per request', async () => {
  await redis.client.flushall();
  const sid = await phpRequest('php');
  const beforeStats = await sampleCommandStats(target());
  const requests = 4;
  for (let i = 0; i < requests; i++) await phpRequest('php', sid);
  const diff = diffCommandStats(beforeStats, await sampleCommandStats(target()), { requests });
  assert.equal(diff.perCommand.get, requests);
  assert.equal((diff.perCommand.setex ?? 0) + (diff.perCommand.expire ?? 0), requests);
  assert.equal(diff.commandsPerRequest, 2);
  const section = redisResultSection(await inspectSessions(target(), { users: 1, expectedTtlS: GC_MAXLIFETIME }), diff);
  assert.equal(section.keys, 1);
  assert.equal(section.commandsPerRequest, 2);
  assert.equal(section.ttlCheck.passed, true);
});

test('a request through phpredis refreshes the TTL to gc_maxlifetime', async () => {
  await redis.client.flushall();
  const sid = await phpRequest('php');
  const check = await checkTtlRefreshedByUse(target(), {
    key: sessionKey(sid),
    expectedTtlS: GC_MAXLIFETIME,
    touch: () => phpRequest('php', sid),
  });
  assert.equal(check.passed, true, check.message);
});
