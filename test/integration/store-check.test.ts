/**
 * The store check against sessions written by the real phpredis session handler (php CLI,
 * one loop of session_start()/session_write_close() per "request", the app's own field
 * logic), on a real redis-server: counts for agreeing, disagreeing, missing, undecodable and
 * skipped users, for both decodable serializers and a custom key prefix; the final read
 * (read_and_close) really writes nothing; 10,000 users are read and judged faster than a naive
 * reader fetches them (one GET per key, measured in the same test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { freePort } from '../../harness/topology/free-port.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { newUserModel, type UserModel } from '../../harness/checks/session-checker.js';
import { checkStoredSessions, compareWithVerdict, storeCheckSectionSchema } from '../../harness/redis-inspect/store-check.js';
import { RedisInspectError } from '../../harness/redis-inspect/redis-connection.js';

const run = promisify(execFile);

// One real Redis for the file (test/helpers/redis-server.ts); each test uses its own keys.
const redis = useRedisServer();

async function withRedisServer(fn: (port: number, client: Redis) => Promise<void>): Promise<void> {
  await fn(redis.port, redis.client);
}

/**
 * What harness/php-app/index.php does per request, through phpredis, for a list of requests
 * in one php process: a visit increments visit_count, keeps the first user, stores ?set=;
 * a read (`read: true`) is the final read's read_and_close. Prints one JSON line per request.
 */
const phpCode = String.raw`
ini_set('session.use_cookies', '0');
ini_set('session.use_strict_mode', '0');
ini_set('session.save_handler', 'redis');
ini_set('session.gc_maxlifetime', '1440');
$port = $argv[1];
$out = [];
foreach (json_decode($argv[2], true) as $op) {
    ini_set('session.save_path', 'tcp://127.0.0.1:' . $port . '?timeout=2&read_timeout=2&prefix=' . $op['prefix']);
    ini_set('session.serialize_handler', $op['serializer']);
    session_id($op['sid'] ?? session_create_id());
    $read = !empty($op['read']);
    if (!session_start($read ? ['read_and_close' => true] : [])) { fwrite(STDERR, "session_start failed\n"); exit(1); }
    if (!$read) {
        $_SESSION['visit_count'] = (int)($_SESSION['visit_count'] ?? 0) + 1;
        if (!isset($_SESSION['user'])) $_SESSION['user'] = $op['user'];
        if (isset($op['set'])) $_SESSION['variableString'] = $op['set'];
        session_write_close();
    }
    $out[] = ['sid' => session_id(), 'visit_count' => (int)($_SESSION['visit_count'] ?? 0), 'variableString' => $_SESSION['variableString'] ?? null];
}
echo json_encode($out);
`;

interface Op {
  sid?: string;
  user: string;
  set?: string;
  read?: boolean;
  serializer: string;
  prefix: string;
}
interface Answer {
  sid: string;
  visit_count: number;
  variableString: string | null;
}

async function php(port: number, ops: Op[]): Promise<Answer[]> {
  const { stdout } = await run('php', ['-r', phpCode, '--', String(port), JSON.stringify(ops)], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as Answer[];
}

/** Users visited `visits` times through phpredis, each answer applied to its model as the checker would. */
async function visitUsers(port: number, users: UserModel[], visits: number, serializer: string, prefix: string): Promise<void> {
  for (let v = 0; v < visits; v++) {
    const ops = users.map((u): Op => {
      const sid = u.cookies.get('PHPSESSID');
      return { ...(sid ? { sid } : {}), user: u.id, ...(u.tokenStored ? {} : { set: u.token }), serializer, prefix };
    });
    const answers = await php(port, ops);
    answers.forEach((a, k) => {
      const u = users[k]!;
      u.cookies.set('PHPSESSID', a.sid);
      assert.equal(a.visit_count, u.lastCount + 1, `visit of ${u.id}`);
      u.lastCount = a.visit_count;
      u.answers++;
      if (a.variableString === u.token) u.tokenStored = true;
    });
  }
}

/** The final read: read_and_close through phpredis, as final-reads.ts judges it. */
async function finalRead(port: number, users: UserModel[], serializer: string, prefix: string): Promise<Answer[]> {
  const answers = await php(port, users.map((u) => ({ sid: u.cookies.get('PHPSESSID')!, user: u.id, read: true, serializer, prefix })));
  answers.forEach((a, k) => (users[k]!.finalHasToken = a.variableString === users[k]!.token));
  return answers;
}

for (const [serializer, prefix, other] of [
  ['php', 'PHPREDIS_SESSION:', 'php_serialize'],
  ['php_serialize', 'lab:sess:', 'php'],
] as const) {
  test(`${serializer} (prefix ${prefix}): counts against sessions written by phpredis`, async () => {
    await withRedisServer(async (port, client) => {
      const users = Array.from({ length: 10 }, (_, k) => newUserModel(`u${k + 1}`, `t${k + 1}-${serializer}`));
      const visited = users.slice(0, 9); // u10 never got an answer: no session id (skipped)
      await visitUsers(port, visited, 3, serializer, prefix);
      const answers = await finalRead(port, visited, serializer, prefix);
      // The final read wrote nothing: the store still holds the last visit's count.
      assert.deepEqual(answers.map((a) => a.visit_count), visited.map(() => 3));
      const [u1, u2, u3, u4, u5, u6, u7] = visited as [UserModel, UserModel, UserModel, UserModel, UserModel, UserModel, UserModel];
      const key = (u: UserModel) => prefix + u.cookies.get('PHPSESSID');

      // u1: its key is gone (evicted): missing.
      await client.del(key(u1));
      // u2: a node with another serializer issued its session (PHP would destroy it on the
      // next read with ours: "Failed to decode session object"): undecodable.
      const [reissued] = await php(port, [{ user: u2.id, set: u2.token, serializer: other, prefix }]);
      u2.cookies.set('PHPSESSID', reissued!.sid);
      // u3: the HTTP check called it lost (its final read lacked the token), yet Redis has it: disagree (token).
      u3.finalHasToken = false;
      u3.nonOk = 1;
      // u4: the model holds an increment the store does not (acknowledged 4, store 3): disagree (visit_count).
      u4.lastCount = 4;
      // u5: one write whose answer was lost (a timeout: nonOk 1): one more in the store agrees.
      u5.nonOk = 1;
      await php(port, [{ sid: u5.cookies.get('PHPSESSID')!, user: u5.id, serializer, prefix }]);
      // u6: the TTL-refresh touch after the final read: agrees when named in touchedUsers.
      await php(port, [{ sid: u6.cookies.get('PHPSESSID')!, user: u6.id, serializer, prefix }]);
      // u7: another user's session under its id: disagree (user and token).
      await client.set(key(u7), await client.getBuffer(key(u3)) as Buffer);

      const section = await checkStoredSessions({ host: '127.0.0.1', port }, users, { serializer, prefix, touchedUsers: [u6.id] });
      assert.ok(storeCheckSectionSchema.safeParse(section).success);
      assert.deepEqual(
        { users: section.users, checked: section.checked, agree: section.agree, disagree: section.disagree, missing: section.missing, undecodable: section.undecodable, skipped: section.skipped },
        { users: 10, checked: 9, agree: 4, disagree: 3, missing: 1, undecodable: 1, skipped: 1 },
      );
      assert.deepEqual(section.disagreeByField, { token: 2, user: 1, visit_count: 1 });
      assert.deepEqual(section.missingSamples, [u1.id]);
      assert.equal(section.undecodableSamples[0]!.user, u2.id);
      assert.equal(section.undecodableSamples[0]!.serializer, serializer);
      assert.match(section.undecodableSamples[0]!.code, /^(BAD_NAME|NOT_AN_ARRAY)$/);
      assert.deepEqual(
        section.samples.map((s) => [s.user, s.field, s.store, s.model]),
        [
          [u3.id, 'token', u3.token, null],
          [u4.id, 'visit_count', 3, 4],
          [u7.id, 'token', u3.token, u7.token],
          [u7.id, 'user', u3.id, u7.id],
        ],
      );
      // Without the touch named, u6 is one ahead of anything it could have written.
      const untouched = await checkStoredSessions({ host: '127.0.0.1', port }, users, { serializer, prefix });
      assert.equal(untouched.disagree, 4);

      const sessions = { users: 10, intact: 0, recovered: 0, lost: 0, unknown: 0, unserved: 0 };
      for (const u of users) {
        const k = !u.tokenStored ? 'unserved' : u.finalHasToken === false ? 'lost' : u.nonOk ? 'recovered' : 'intact';
        sessions[k]++;
      }
      const cmp = compareWithVerdict(section, sessions);
      assert.equal(cmp.status, 'disagrees');
      assert.equal(
        cmp.statement,
        'store agrees with the HTTP verdict for 5 of 8 users; 1 user the HTTP check called lost still has its token in Redis; ' +
          '2 users the HTTP check called intact or recovered have no token in Redis (1 without a key); not compared: 1 unserved, 1 undecodable',
      );
    });
  });
}

test('10,000 users: pipelined MGETs read, decode and judge them in less than half the time of one GET per key', async () => {
  await withRedisServer(async (port, client) => {
    // Real phpredis payloads for a few users, copied to 10,000 keys as phpredis writes them (SETEX).
    const seed = Array.from({ length: 4 }, (_, k) => newUserModel(`s${k}`, `tok-${k}`));
    await visitUsers(port, seed, 2, 'php', 'PHPREDIS_SESSION:');
    const template = (await client.get(`PHPREDIS_SESSION:${seed[0]!.cookies.get('PHPSESSID')}`))!;
    assert.match(template, /^visit_count\|i:2;user\|s:2:"s0";variableString\|s:5:"tok-0";$/);
    const users: UserModel[] = [];
    const pipe = client.pipeline();
    for (let k = 0; k < 10_000; k++) {
      const u = newUserModel(`u${k}`, `t${k}-${'x'.repeat(8)}`);
      const sid = `sid${String(k).padStart(6, '0')}abcdefghijklmnopqrstu`;
      u.cookies.set('PHPSESSID', sid);
      u.lastCount = 2;
      u.answers = 2;
      u.tokenStored = true;
      u.finalHasToken = true;
      users.push(u);
      const value = template.replace('s:2:"s0"', `s:${u.id.length}:"${u.id}"`).replace('s:5:"tok-0"', `s:${u.token.length}:"${u.token}"`);
      pipe.setex(`PHPREDIS_SESSION:${sid}`, 1440, value);
    }
    await pipe.exec();

    // Baseline in the same test: the same keys read one GET per round trip, as a naive reader would.
    const naive: number[] = [];
    const times: number[] = [];
    let section;
    for (let r = 0; r < 3; r++) {
      let t0 = performance.now();
      for (const u of users) await client.get(`PHPREDIS_SESSION:${u.cookies.get('PHPSESSID')}`);
      naive.push(performance.now() - t0);
      t0 = performance.now();
      section = await checkStoredSessions({ host: '127.0.0.1', port }, users, { serializer: 'php' });
      times.push(performance.now() - t0);
    }
    assert.equal(section!.agree, 10_000, JSON.stringify(section!.samples.slice(0, 2)));
    const best = Math.min(...times);
    const naiveBest = Math.min(...naive);
    console.log(`store check of 10,000 users: ${times.map((t) => t.toFixed(0)).join(', ')} ms (section says ${section!.durationMs} ms); one GET per key: ${naive.map((t) => t.toFixed(0)).join(', ')} ms`);
    // Reading, decoding and judging every key costs less than merely fetching them one by one.
    assert.ok(best * 2 < naiveBest, `store check ${best.toFixed(0)} ms vs ${naiveBest.toFixed(0)} ms for one GET per key`);
  });
});

test('Redis not reachable: a RedisInspectError, not a section', async () => {
  const port = await freePort();
  const u = newUserModel('u1', 't');
  u.cookies.set('PHPSESSID', 'abc');
  await assert.rejects(checkStoredSessions({ host: '127.0.0.1', port }, [u], { serializer: 'php' }), RedisInspectError);
});
