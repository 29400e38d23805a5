import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnswerWarnings, answerWarningKind, MAX_USER_WARNINGS } from '../../harness/evidence/answer-warnings.js';
import { EvidenceProbe } from '../../harness/evidence/evidence-probe.js';
import { evidenceSectionSchema } from '../../harness/evidence/evidence-section.js';

// Warnings as PHP 8.2 + phpredis 5.3.7 put them in the app's JSON (captured from scenario runs).
const READ_FAILED = 'session_start(): Failed to read session data: redis (path: tcp://127.0.0.1:41234?timeout=1)';
const WRITE_FAILED = 'session_write_close(): Failed to write session data using user defined save handler. (session.save_path: tcp://127.0.0.1:41234)';
const LOCK = 'session_start(): Acquire of session lock was not successful';

test('answer warnings are classified by the PHP error log\'s rules; one no rule knows is a php-warning', () => {
  assert.equal(answerWarningKind(READ_FAILED), 'session-read-failed');
  assert.equal(answerWarningKind(WRITE_FAILED), 'session-write-failed');
  assert.equal(answerWarningKind(LOCK), 'lock-not-acquired');
  assert.equal(answerWarningKind('something PHP said'), 'php-warning');
});

test('counts per kind, a few examples per kind, a user\'s first warnings only', () => {
  const w = new AnswerWarnings();
  for (let i = 0; i < 10; i++) w.add(7, 1000 + i, 'node-2', [READ_FAILED]);
  w.add(8, 2000, 'node-1', [LOCK, WRITE_FAILED]);
  w.add(9, 2500, null, []);
  const s = w.summary();
  assert.equal(s.answersWithWarnings, 11);
  assert.deepEqual(s.kinds, { 'session-read-failed': 10, 'lock-not-acquired': 1, 'session-write-failed': 1 });
  assert.equal(s.top[0]!.kind, 'session-read-failed');
  assert.equal(s.top[0]!.examples.length, 3);
  assert.equal(w.ofUser(7).length, MAX_USER_WARNINGS);
  assert.deepEqual(w.ofUser(7)[0], { t: 1000, component: 'node-2', kind: 'session-read-failed', line: READ_FAILED });
  assert.deepEqual(w.ofUser(8).map((e) => e.kind), ['lock-not-acquired', 'session-write-failed']);
  assert.deepEqual(w.ofUser(9), []);
});

test('the evidence section carries the answers\' warnings apart from the log counts, and a lost user its own', async () => {
  const probe = new EvidenceProbe(() => [], () => {});
  probe.onLoadStart(performance.now());
  const check = (outcome: string, warnings?: string[]) => ({ outcome, node: 'node-1', ...(warnings ? { warnings } : {}) });
  probe.onRecord({ t: 100, userIndex: 0, kind: 'visit', status: 200, latencyMs: 1, check: check('ok') } as never);
  probe.onRecord({ t: 200, userIndex: 1, kind: 'visit', status: 200, latencyMs: 1, check: check('reset', [READ_FAILED]) } as never);
  // u0 intact, u1 lost (its final read no longer held its token).
  const users = [
    { id: 'u0', leaked: false, tokenStored: true, finalHasToken: true, nonOk: 0 },
    { id: 'u1', leaked: false, tokenStored: true, finalHasToken: false, nonOk: 1 },
  ];
  const section = await probe.finish({ aborted: false, users } as never);
  assert.ok(section);
  assert.deepEqual(section.lostUsers.map((u) => [u.user, u.lostAtMs, u.answerWarnings?.map((w) => w.kind)]), [['u1', 200, ['session-read-failed']]]);
  assert.doesNotThrow(() => evidenceSectionSchema.parse(section));
  assert.deepEqual(section.answers?.kinds, { 'session-read-failed': 1 });
  assert.deepEqual(section.kinds, {}, 'not added to the log events');
});
