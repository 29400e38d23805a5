/** Journeys: validation before the run (exit 104, naming the field), extraction, checks, feeders, verdicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateScenario } from '../../harness/scenario/validate-scenario.js';
import { AnswerView } from '../../harness/journey/journey-answer.js';
import { dataProblems, readCsv, userVariables } from '../../harness/journey/journey-data.js';
import { judgeStep, stepRequest } from '../../harness/journey/journey-jobs.js';
import { journeySchema } from '../../harness/journey/journey-schema.js';
import { parseJsonPath } from '../../harness/journey/json-path.js';
import { runCli } from '../helpers/run-cli.js';

const baseJourney = () => ({
  data: { generate: { username: 'user{{n}}', password: 'pw-user{{n}}' } },
  once: [
    { name: 'form', path: '/login', extract: { csrf: { css: 'input[name=csrf]', attr: 'value' } } },
    { name: 'login', method: 'POST', path: '/login', form: { user: '{{username}}', password: '{{password}}', csrf: '{{csrf}}' }, assertSession: true },
  ],
  steps: [{ name: 'home', path: '/home' }],
  session: { identity: { css: '.who' }, expect: '{{username}}' },
});
const scenario = (journey: unknown) => ({
  name: 'j',
  topology: { strategy: 'redis' },
  workload: { mode: 'journey', users: 4, connections: 2, duration: '2s', journey },
});
const problemsOf = (journey: unknown): string => {
  try {
    validateScenario(scenario(journey));
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

test('a valid journey passes validation', () => {
  assert.equal(problemsOf(baseJourney()), '');
});

test('an unknown variable is refused, naming the field', () => {
  const j = baseJourney();
  j.steps[0] = { name: 'home', path: '/home?x={{nosuch}}' };
  assert.match(problemsOf(j), /workload\.journey\.steps\[0\]\.path: unknown variable \{\{nosuch\}\}/);
  // Extracted by a LATER step: not known yet.
  const k = baseJourney();
  (k.once[0] as Record<string, unknown>).query = { t: '{{csrf}}' };
  assert.match(problemsOf(k), /workload\.journey\.once\[0\]\.query\.t: unknown variable \{\{csrf\}\}/);
});

test('a bad CSS selector, regex or JSON path is refused, naming the field', () => {
  const j = baseJourney();
  j.once[0]!.extract = { csrf: { css: 'input[name=', attr: 'value' } };
  assert.match(problemsOf(j), /workload\.journey\.once\[0\]\.extract\.csrf\.css: not a CSS selector/);
  const r = baseJourney();
  r.session.identity = { regex: '(unclosed' } as never;
  assert.match(problemsOf(r), /workload\.journey\.session\.identity\.regex: not a regular expression/);
  const p = baseJourney();
  p.steps[0] = { name: 'home', path: '/home', extract: { t: { json: 'user.name' } } } as never;
  assert.match(problemsOf(p), /workload\.journey\.steps\[0\]\.extract\.t\.json: .* start with \$/);
});

test('a journey without a session assertion is refused', () => {
  const j: Record<string, unknown> = baseJourney();
  delete j.session;
  assert.match(problemsOf(j), /workload\.journey\.session: missing: say what proves the user is still logged in/);
  assert.match(problemsOf(undefined), /workload\.journey: missing/);
});

test('topology.app is accepted by the local and docker providers, refused without journey mode and with the external provider', () => {
  const s = scenario(baseJourney()) as Record<string, any>;
  s.topology = { strategy: 'redis', provider: 'docker', app: { root: '/tmp' } };
  assert.equal(validateScenario(s).scenario.topology.app?.root, '/tmp');
  s.topology = { strategy: 'redis', balancer: 'nginx', nodes: 1, provider: 'external', external: { url: 'http://127.0.0.1:8080', nodes: [{ name: 'node-1' }] }, app: { root: '/tmp' } };
  assert.throws(() => validateScenario(s), /topology\.app: provider "external" starts no node to serve it/);
  s.topology = { strategy: 'redis', provider: 'local', app: { root: '/tmp' } };
  s.workload.mode = 'visits';
  delete s.workload.journey;
  assert.throws(() => validateScenario(s), /topology\.app: .*use workload\.mode 'journey'/);
});

test('the scenario CLI exits 104 on a bad journey, one line naming the field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-journey-'));
  try {
    const j = baseJourney();
    j.steps[0] = { name: 'home', path: '/home', extract: { t: { css: 'a[' } } } as never;
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(scenario(j)));
    const run = await runCli('scenario.ts', [file, '--out', join(dir, 'out')], { timeoutMs: 60_000 });
    assert.equal(run.code, 104, run.stderr);
    assert.match(run.stderr, /workload\.journey\.steps\[0\]\.extract\.t\.css: not a CSS selector/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('extraction: regex (group), JSON path, CSS text and attribute; nothing found is null', () => {
  const html = new AnswerView(200, '<html><body><p>Hi <span class="who"> Alice </span></p><input name="csrf" value="a&amp;b"></body></html>');
  assert.equal(html.extract({ css: '.who' }), 'Alice');
  assert.equal(html.extract({ css: 'input[name=csrf]', attr: 'value' }), 'a&b');
  assert.equal(html.extract({ css: '.nobody' }), null);
  assert.equal(html.extract({ regex: 'Hi <span class="who">\\s*(\\w+)' }), 'Alice');
  assert.equal(html.extract({ regex: 'Hi', group: 0 }), 'Hi');
  assert.equal(html.extract({ regex: 'Bob' }), null);
  const json = new AnswerView(200, JSON.stringify({ user: { name: 'Bob', roles: ['a', 'b'] }, 'display name': 'B', n: 3 }));
  assert.equal(json.extract({ json: '$.user.roles[1]' }), 'b');
  assert.equal(json.extract({ json: "$['display name']" }), 'B');
  assert.equal(json.extract({ json: '$.n' }), '3');
  assert.equal(json.extract({ json: '$.user.missing' }), null);
  assert.deepEqual(parseJsonPath('$.a["b c"][0]'), ['a', 'b c', 0]);
});

test('checks: status, contains, notContains, variables', () => {
  const view = new AnswerView(200, 'hello Alice');
  const vars = new Map([['name', 'Alice'], ['tok', 'abc123']]);
  assert.equal(view.failedCheck({ status: 200 }, vars), null);
  assert.match(view.failedCheck({ status: [301, 302] }, vars)!, /status 200, expected 301 or 302/);
  assert.equal(view.failedCheck({ contains: 'hello {{name}}' }, vars), null);
  assert.match(view.failedCheck({ notContains: '{{name}}' }, vars)!, /contains "Alice"/);
  assert.equal(view.failedCheck({ var: 'tok', matches: '^[a-z0-9]+$' }, vars), null);
  assert.match(view.failedCheck({ var: 'tok', equals: 'zzz' }, vars)!, /is "abc123", expected "zzz"/);
  assert.match(view.failedCheck({ var: 'nope', equals: 'x' }, vars)!, /has no value/);
});

test('the session assertion and a step verdict: ok, logged-out (reset), leak, error with the reason', () => {
  const journey = journeySchema.parse({ ...baseJourney(), session: { identity: { css: '.who' }, expect: '{{username}}', requires: [{ contains: 'trail:{{page}}' }] } });
  const step = journey.steps[0]!;
  const vars = () => new Map([['username', 'alice'], ['page', 'home']]);
  const judge = (body: string, status = 200, loggedIn = true) => judgeStep(journey, step, true, new AnswerView(status, body), undefined, vars(), loggedIn);
  assert.equal(judge('<span class="who">alice</span> trail:home').outcome, 'ok');
  assert.equal(judge('<span class="who">alice</span>').outcome, 'reset', 'session-held state missing: logged out');
  assert.equal(judge('<form id="login"></form>').outcome, 'reset');
  assert.equal(judge('<form id="login"></form>', 200, false).outcome, 'error', 'not yet logged in: a failed login, not a lost session');
  const leak = judge('<span class="who">bob</span> trail:home');
  assert.equal(leak.outcome, 'leak');
  assert.match(leak.reason!, /"bob", this user is "alice"/);
  const failed = judge('<span class="who">alice</span> trail:home', 500);
  assert.equal(failed.outcome, 'error');
  assert.match(failed.reason!, /status 500/);
  assert.equal(judgeStep(journey, step, true, null, 'timeout', vars()).outcome, 'error');
});

test('a step request: query, form and JSON bodies rendered per user', () => {
  const vars = new Map([['u', 'a b'], ['t', 'x&y']]);
  const get = stepRequest(journeySchema.parse({ ...baseJourney(), steps: [{ name: 's', path: '/p?z=1', query: { u: '{{u}}' } }] }).steps[0]!, vars);
  assert.equal(get.path, '/p?z=1&u=a+b');
  const post = stepRequest(journeySchema.parse({ ...baseJourney(), steps: [{ name: 's', method: 'POST', path: '/p', form: { t: '{{t}}' } }] }).steps[0]!, vars);
  assert.equal(post.request.body, 't=x%26y');
  assert.equal(post.request.headers?.['content-type'], 'application/x-www-form-urlencoded');
  const json = stepRequest(journeySchema.parse({ ...baseJourney(), steps: [{ name: 's', method: 'POST', path: '/p', json: { t: ['{{t}}'] } }] }).steps[0]!, vars);
  assert.equal(json.request.body, '{"t":["x&y"]}');
});

test('feeders: a CSV row per user, generated values, too few rows refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'psl-feeder-'));
  try {
    const file = join(dir, 'users.csv');
    writeFileSync(file, 'username,password\nalice,"p,1"\nbob,p2\n');
    const csv = readCsv(file);
    assert.deepEqual(csv.columns, ['username', 'password']);
    const vars = userVariables({ csv: file, generate: { mail: '{{username}}@example.test' } }, 2, csv);
    assert.equal(vars[0]!.get('password'), 'p,1');
    assert.equal(vars[1]!.get('mail'), 'bob@example.test');
    assert.equal(vars[1]!.get('vu'), 'u2');
    assert.match(dataProblems({ csv: file }, 3).problems.join(), /data\.csv: 2 rows for 3 users/);
    assert.match(dataProblems({ generate: { a: '{{zz}}' } }, 1).problems.join(), /data\.generate\.a: unknown variable \{\{zz\}\}/);
    writeFileSync(file, 'n,x\n1,2\n');
    assert.throws(() => readCsv(file), /column "n" is a built-in variable/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
