import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkResponse,
  classifyAnswer,
  liveSessionCounts,
  newUserModel,
  parseAppAnswer,
  userVerdict,
  type AppAnswer,
  type UserModel,
} from '../../harness/checks/session-checker.js';

const ID = 'u1';
const TOKEN = 't1-abc';

function answer(visitCount: number, extra: Partial<AppAnswer> = {}): AppAnswer {
  return { node: 'node-1', sid: 's1', visitCount, user: ID, variableString: TOKEN, sessionStarted: true, written: true, warnings: [], ...extra };
}

/** The app's JSON body. */
function body(visitCount: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    node: 'node-1',
    sid: 's1',
    session_started: true,
    written: true,
    warnings: [],
    visit_count: visitCount,
    user: ID,
    variableString: TOKEN,
    ...extra,
  });
}

const model = (lastCount: number) => ({ id: ID, token: TOKEN, lastCount });

test('classifyAnswer: c+1 is ok, including the very first visit', () => {
  assert.equal(classifyAnswer(model(0), answer(1)), 'ok');
  assert.equal(classifyAnswer(model(4), answer(5)), 'ok');
});

test('classifyAnswer: 1 while c>=1 is reset (also at c=1, where 1 is also <= c)', () => {
  assert.equal(classifyAnswer(model(4), answer(1)), 'reset');
  assert.equal(classifyAnswer(model(1), answer(1)), 'reset');
  // A reset session holds neither the user nor the token yet.
  assert.equal(classifyAnswer(model(7), answer(1, { user: null, variableString: null })), 'reset');
});

test('classifyAnswer: <= c (but not 1) is stale, > c+1 is ahead', () => {
  assert.equal(classifyAnswer(model(5), answer(5)), 'stale');
  assert.equal(classifyAnswer(model(5), answer(3)), 'stale');
  assert.equal(classifyAnswer(model(5), answer(7)), 'ahead');
  assert.equal(classifyAnswer(model(0), answer(2)), 'ahead');
});

test('classifyAnswer: another user or another token is a leak, whatever the count', () => {
  assert.equal(classifyAnswer(model(4), answer(5, { user: 'u2' })), 'leak');
  assert.equal(classifyAnswer(model(4), answer(5, { variableString: 't2-zzz' })), 'leak');
  assert.equal(classifyAnswer(model(0), answer(1, { user: 'u2', variableString: null })), 'leak');
  // null user / null token is not someone else's session.
  assert.equal(classifyAnswer(model(4), answer(5, { user: null, variableString: null })), 'ok');
});

test('parseAppAnswer: maps the JSON fields; not JSON or no visit_count -> null', () => {
  assert.deepEqual(parseAppAnswer(body(3)), {
    node: 'node-1', sid: 's1', visitCount: 3, user: ID, variableString: TOKEN, sessionStarted: true, written: true, warnings: [],
  });
  // An answer that does not say its session started is not trusted to have one.
  assert.equal(parseAppAnswer(JSON.stringify({ visit_count: 2 }))!.sessionStarted, false);
  assert.equal(parseAppAnswer('<html>502 Bad Gateway</html>'), null);
  assert.equal(parseAppAnswer('{"node":"node-1"}'), null);
  assert.equal(parseAppAnswer('null'), null);
});

function freshUser(): UserModel {
  return newUserModel(ID, TOKEN);
}

test('checkResponse: errors (status 0, 500, unreadable 200) do not move the model', () => {
  const user = freshUser();
  assert.equal(checkResponse(user, 200, body(1)).outcome, 'ok');
  assert.equal(checkResponse(user, 200, body(2)).outcome, 'ok');
  for (const [status, text] of [
    [0, null],
    [500, body(3)],
    [502, '<html>bad gateway</html>'],
    [200, 'not json'],
    [200, null],
  ] as const) {
    const check = checkResponse(user, status, text);
    assert.equal(check.outcome, 'error', `status ${status}`);
    assert.equal(check.got, null);
    assert.equal(check.expected, 3);
    assert.equal(user.lastCount, 2, `status ${status} moved the model`);
    assert.equal(user.lastHadToken, true);
  }
  // The next good answer is still judged against 2.
  assert.equal(checkResponse(user, 200, body(3)).outcome, 'ok');
  assert.equal(user.lastCount, 3);
  user.finalHasToken = true;
  assert.equal(userVerdict(user), 'recovered');
});

test('checkResponse: the model follows the answers (reset restarts at 1, ahead moves it up)', () => {
  const user = freshUser();
  checkResponse(user, 200, body(1));
  checkResponse(user, 200, body(2));
  const reset = checkResponse(user, 200, body(1, { user: null, variableString: null }));
  assert.deepEqual(reset, { outcome: 'reset', node: 'node-1', expected: 3, got: 1 });
  assert.equal(user.lastCount, 1);
  assert.equal(checkResponse(user, 200, body(2, { variableString: null })).outcome, 'ok');
  // ahead moves the model to the answer too
  assert.equal(checkResponse(user, 200, body(9, { variableString: null })).outcome, 'ahead');
  assert.equal(checkResponse(user, 200, body(10, { variableString: null })).outcome, 'ok');
});

test('checkResponse: a stale answer does not lower c (the highest acknowledged count)', () => {
  const user = freshUser();
  for (let i = 1; i <= 10; i++) checkResponse(user, 200, body(i));
  const stale = checkResponse(user, 200, body(4));
  assert.deepEqual(stale, { outcome: 'stale', node: 'node-1', expected: 11, got: 4 });
  assert.equal(user.lastCount, 10);
  // the old copy moves on to 5: still stale against 10
  assert.equal(checkResponse(user, 200, body(5)).outcome, 'stale');
  assert.equal(checkResponse(user, 200, body(10)).outcome, 'stale');
  // the up-to-date copy answers again
  assert.equal(checkResponse(user, 200, body(11)).outcome, 'ok');
  assert.equal(user.lastCount, 11);
});

/** A user judged after its final read. */
function finalRead(user: UserModel, hasToken: boolean | null): UserModel {
  user.finalHasToken = hasToken;
  return user;
}

test('userVerdict: every answer ok and the final read holds the token -> intact', () => {
  const user = freshUser();
  for (let i = 1; i <= 5; i++) checkResponse(user, 200, body(i));
  assert.equal(userVerdict(finalRead(user, true)), 'intact');
});

test('userVerdict: a reset, then the final read finds the token again -> recovered', () => {
  const user = freshUser();
  checkResponse(user, 200, body(1));
  checkResponse(user, 200, body(2));
  assert.equal(checkResponse(user, 200, body(1, { user: null, variableString: null })).outcome, 'reset');
  assert.equal(checkResponse(user, 200, body(3)).outcome, 'ahead');
  assert.equal(userVerdict(finalRead(user, true)), 'recovered');
});

test('userVerdict: the final read decides: without the token the user is lost, whatever the answers said', () => {
  const gone = freshUser();
  checkResponse(gone, 200, body(1));
  checkResponse(gone, 200, body(2));
  assert.equal(userVerdict(finalRead(gone, false)), 'lost');
  // last answer lost the token, the final read (after healing) finds it again -> recovered
  const back = freshUser();
  checkResponse(back, 200, body(1));
  checkResponse(back, 200, body(1, { user: null, variableString: null }));
  assert.equal(userVerdict(finalRead(back, true)), 'recovered');
});

test('userVerdict: no final read, or a failed one -> unknown, never judged by the last answer', () => {
  // The old behaviour judged these users by their last load answer: intact and lost.
  const fine = freshUser();
  checkResponse(fine, 200, body(1));
  checkResponse(fine, 200, body(2));
  assert.equal(fine.finalHasToken, null);
  assert.equal(userVerdict(fine), 'unknown');
  const reset = freshUser();
  checkResponse(reset, 200, body(1));
  checkResponse(reset, 200, body(1, { user: null, variableString: null }));
  checkResponse(reset, 0, null);
  assert.equal(userVerdict(reset), 'unknown');
});

test('userVerdict: a leak makes the user lost even if later answers and the final read are fine', () => {
  const user = freshUser();
  checkResponse(user, 200, body(1));
  const leak = checkResponse(user, 200, body(2, { user: 'u2', variableString: 't2-x' }));
  assert.equal(leak.outcome, 'leak');
  assert.equal(user.leaked, true);
  // a leak does not move the count: the user's own session is still at 1
  assert.equal(user.lastCount, 1);
  assert.equal(checkResponse(user, 200, body(2)).outcome, 'ok');
  assert.equal(checkResponse(user, 200, body(3)).outcome, 'ok');
  assert.equal(userVerdict(finalRead(user, true)), 'lost');
});

test('userVerdict: a user whose token was never stored is unserved', () => {
  const never = freshUser();
  assert.equal(userVerdict(never), 'unserved');
  checkResponse(never, 0, null);
  checkResponse(never, 503, 'busy');
  assert.equal(userVerdict(never), 'unserved');
  const noToken = freshUser();
  checkResponse(noToken, 200, body(1, { variableString: null }));
  assert.equal(userVerdict(noToken), 'unserved');
});

test('unsaved: a 200 whose session did not start is unsaved (not reset, never ok) and moves nothing', () => {
  const user = freshUser();
  checkResponse(user, 200, body(1));
  checkResponse(user, 200, body(2));
  // Redis down: session_start() failed, PHP answers 200 with an empty session at count 1.
  const down = checkResponse(user, 200, body(1, { session_started: false, written: false, user: null, variableString: null, warnings: ['Failed to read session data: redis'] }));
  assert.equal(down.outcome, 'unsaved');
  assert.deepEqual(down.warnings, ['Failed to read session data: redis']);
  assert.equal(user.lastCount, 2, 'nothing was stored: the model keeps what was acknowledged');
  assert.equal(user.lastHadToken, true, 'an empty session that never started says nothing about the store');
  // Redis back: the stored count answers as the next one.
  assert.equal(checkResponse(user, 200, body(3)).outcome, 'ok');
  assert.equal(userVerdict(finalRead(user, true)), 'recovered');
});

test('unsaved: a count that looks right but was not written is unsaved, not ok', () => {
  const user = freshUser();
  checkResponse(user, 200, body(1));
  // The default phpredis lock wait: the write is dropped, the answer still says 2.
  assert.equal(checkResponse(user, 200, body(2, { written: false, warnings: ['Failed to write session data (redis)'] })).outcome, 'unsaved');
  assert.equal(user.lastCount, 1);
  assert.equal(checkResponse(user, 200, body(2)).outcome, 'ok');
});

test('the token counts as stored only when an answer says it was written', () => {
  const user = freshUser();
  checkResponse(user, 200, body(1, { written: false }));
  assert.equal(user.tokenStored, false, 'a first visit whose write failed did not store the token');
  checkResponse(user, 200, body(1, { session_started: false, written: false, user: null, variableString: null }));
  assert.equal(user.tokenStored, false);
  checkResponse(user, 200, body(1));
  assert.equal(user.tokenStored, true);
});

test('liveSessionCounts: judged = users with a stored token; lost = leaked or last read without the token', () => {
  const a = freshUser();
  checkResponse(a, 200, body(1));
  const b = newUserModel('u2', 't2');
  const c = freshUser();
  checkResponse(c, 200, body(1));
  checkResponse(c, 200, body(1, { user: null, variableString: null }));
  assert.deepEqual(liveSessionCounts([a, b, c]), { judged: 2, lost: 1 });
});
