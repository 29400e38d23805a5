import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { finalReads } from '../../harness/checks/final-reads.js';
import { newUserModel, userVerdict } from '../../harness/checks/session-checker.js';

/** A stand-in app on loopback: answers each user's ?read=1 as `plan` says, attempt by attempt. */
async function app(plan: Record<string, (attempt: number) => { status: number; body: Record<string, unknown> | string }>) {
  const attempts = new Map<string, number>();
  const server = createServer((req, res) => {
    const user = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? '';
    const n = (attempts.get(user) ?? 0) + 1;
    attempts.set(user, n);
    const answer = plan[user]!(n);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, attempts, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const session = (user: string, token: string | null, started = true) => ({
  status: 200,
  body: { node: 'node-1', sid: 's', session_started: started, written: null, warnings: [], visit_count: 3, user: started ? user : null, variableString: token },
});

test('final reads: retried until a session answers; a user whose every read failed stays unknown', async () => {
  const users = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id) => {
    const u = newUserModel(id, `t-${id}`);
    u.tokenStored = true;
    return u;
  });
  const server = await app({
    u1: () => session('u1', 't-u1'),
    // Redis still coming back: the first two reads cannot start the session.
    u2: (n) => (n < 3 ? session('u2', null, false) : session('u2', 't-u2')),
    u3: () => ({ status: 502, body: '<html>bad gateway</html>' }),
    u4: () => session('u4', null),
    // another user's token in u5's session
    u5: () => session('u5', 't-u1'),
  });
  try {
    const summary = await finalReads(users, server.url, { concurrency: 2, attempts: 3, retryDelayMs: 5 });
    assert.deepEqual(summary, { users: 5, withToken: 2, withoutToken: 2, failed: 1, leaks: 1 });
    assert.equal(server.attempts.get('u1'), 1);
    assert.equal(server.attempts.get('u2'), 3, 'a read whose session did not start was not retried');
    assert.equal(server.attempts.get('u3'), 3);
    assert.deepEqual(users.map(userVerdict), ['intact', 'intact', 'unknown', 'lost', 'lost']);
  } finally {
    await server.close();
  }
});

test('final reads skip users whose token was never stored', async () => {
  const never = newUserModel('u1', 't1');
  const server = await app({ u1: () => session('u1', 't1') });
  try {
    const summary = await finalReads([never], server.url, { concurrency: 1 });
    assert.equal(summary.users, 0);
    assert.equal(server.attempts.size, 0);
    assert.equal(userVerdict(never), 'unserved');
  } finally {
    await server.close();
  }
});
