/**
 * 'journey' mode: each virtual user walks the journey (`once`, then `steps` round and round)
 * with its own cookie jar and variables, one request in flight, pausing its think time
 * between steps. Every answer is judged like the built-in app's (session-checker.ts), with
 * the session assertion in place of the visit count:
 *   ok · logged-out (the session was lost: counted as `reset`) · error (no answer, a status,
 *   a check or an extraction that failed) · leak (another user's identity on the page).
 * The user model is the built-in one: `tokenStored` = the session assertion passed once (the
 * user was logged in), the final read repeats one step and judges the session once more, so
 * users end intact / recovered / lost / unknown / unserved exactly as with the built-in app.
 * A user whose `once` part fails starts it again (it never logged in); a logged-in user who
 * is logged out does not log in again: the final read tells whether its session came back.
 */
import { Pool } from 'undici';
import type { CheckedAnswer, UserModel } from '../checks/session-checker.js';
import type { FinalReadOptions, FinalReadSummary } from '../checks/final-reads.js';
import type { OutcomeName } from '../results/result-schema.js';
import { parseDuration } from '../scenario/duration.js';
import type { Job, JobSource, RequestFailure } from '../workload/job-source.js';
import { exchange } from '../workload/job-exchange.js';
import type { VirtualUserPool } from '../workload/virtual-users.js';
import { AnswerView } from './journey-answer.js';
import { readCsv, userVariables } from './journey-data.js';
import type { Journey, JourneyStep } from './journey-schema.js';
import { JOURNEY_SAMPLES_PER_STEP, type JourneySection, type JourneyStepStats } from './journey-section.js';
import { render, renderJson } from './journey-template.js';

type Phase = 'once' | 'steps';

interface Position {
  phase: Phase;
  index: number;
}

export interface StepVerdict {
  outcome: OutcomeName;
  /** Why it is not ok. */
  reason?: string;
  extractFailed: boolean;
  checkFailed: boolean;
}

/** Judges one answer of a step and stores what it extracts in `vars` (pure but for `vars`). */
export function judgeStep(
  journey: Journey,
  step: JourneyStep,
  assertSession: boolean,
  view: AnswerView | null,
  failure: RequestFailure | undefined,
  vars: Map<string, string>,
  /** The user was logged in before (its session assertion passed once): only then is a failed assertion a lost session. */
  loggedIn = true,
): StepVerdict {
  if (!view) return { outcome: 'error', reason: `no answer (${failure ?? 'connection'})`, extractFailed: false, checkFailed: false };
  const problems: string[] = [];
  let extractFailed = false;
  for (const [name, extractor] of Object.entries(step.extract ?? {})) {
    const value = view.extract(extractor);
    if (value === null) {
      extractFailed = true;
      problems.push(`extract ${name}: found nothing for ${JSON.stringify(extractor)}`);
    } else vars.set(name, value);
  }
  if (assertSession) {
    const session = view.judgeSession(journey.session, vars);
    if (session.verdict === 'leak') return { outcome: 'leak', reason: session.reason!, extractFailed, checkFailed: false };
    if (session.verdict === 'logged-out') {
      if (!loggedIn) return { outcome: 'error', reason: `not logged in (the login did not take): ${session.reason}`, extractFailed, checkFailed: false };
      return { outcome: 'reset', reason: `logged out: ${session.reason}`, extractFailed, checkFailed: false };
    }
  }
  let checkFailed = false;
  const hasStatusCheck = step.check.some((c) => 'status' in c);
  const okStatus = view.status >= 200 && view.status < (step.followRedirects ? 300 : 400);
  if (!hasStatusCheck && !okStatus) {
    checkFailed = true;
    problems.unshift(`status ${view.status}`);
  }
  for (const check of step.check) {
    const failed = view.failedCheck(check, vars);
    if (failed) {
      checkFailed = true;
      problems.push(`check: ${failed}`);
    }
  }
  if (problems.length > 0) return { outcome: 'error', reason: problems.join('; '), extractFailed, checkFailed };
  return { outcome: 'ok', extractFailed: false, checkFailed: false };
}

/** The request of a step for one user's variables. */
export function stepRequest(step: JourneyStep, vars: ReadonlyMap<string, string>): { path: string; request: NonNullable<Job['request']> } {
  let path = render(step.path, vars);
  const query = Object.entries(step.query ?? {}).map(([k, v]) => [render(k, vars), render(v, vars)] as [string, string]);
  if (query.length > 0) path += (path.includes('?') ? '&' : '?') + new URLSearchParams(query).toString();
  const headers: Record<string, string> = Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k.toLowerCase(), render(v, vars)]));
  let body: string | undefined;
  if (step.form !== undefined) {
    body = new URLSearchParams(Object.entries(step.form).map(([k, v]) => [render(k, vars), render(v, vars)] as [string, string])).toString();
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
  } else if (step.json !== undefined) {
    body = JSON.stringify(renderJson(step.json, vars));
    headers['content-type'] ??= 'application/json';
  }
  return { path, request: { method: step.method, followRedirects: step.followRedirects, ...(Object.keys(headers).length ? { headers } : {}), ...(body !== undefined ? { body } : {}) } };
}

export class JourneyJobs implements JobSource {
  readonly vars: Array<Map<string, string>>;
  private readonly position: Position[];
  private readonly inFlight: Array<Position | null>;
  private readonly stats: { once: JourneyStepStats[]; steps: JourneyStepStats[] };
  private readonly thinkMs: { journey: number; once: number[]; steps: number[] };
  /** ms since the load started, for the failure samples. */
  private startedAt = 0;

  constructor(
    private readonly pool: VirtualUserPool,
    readonly journey: Journey,
    /** ms a user is held after a timed-out request (the stack's request deadline). */
    private readonly timeoutHoldMs = 0,
  ) {
    const csv = journey.data.csv !== undefined ? readCsv(journey.data.csv) : null;
    this.vars = userVariables(journey.data, pool.users.length, csv);
    const start: Phase = journey.once.length > 0 ? 'once' : 'steps';
    this.position = pool.users.map(() => ({ phase: start, index: 0 }));
    this.inFlight = pool.users.map(() => null);
    const stats = (phase: Phase) => (step: JourneyStep): JourneyStepStats => ({ name: step.name, phase, requests: 0, ok: 0, loggedOut: 0, error: 0, leak: 0, extractFailed: 0, checkFailed: 0, failures: [] });
    this.stats = { once: journey.once.map(stats('once')), steps: journey.steps.map(stats('steps')) };
    const think = (step: JourneyStep) => parseDuration(step.thinkTime ?? journey.thinkTime);
    this.thinkMs = { journey: parseDuration(journey.thinkTime), once: journey.once.map(think), steps: journey.steps.map(think) };
  }

  /** The load's clock (performance.now() at its start), for the failure samples' times. */
  setStart(startedAt: number): void {
    this.startedAt = startedAt;
  }

  next(): Job | null {
    const index = this.pool.acquire();
    if (index < 0) return null;
    const at = { ...this.position[index]! };
    this.inFlight[index] = at;
    const step = this.journey[at.phase][at.index]!;
    const { path, request } = stepRequest(step, this.vars[index]!);
    return { userIndex: index, path, kind: 'step', request };
  }

  complete(job: Job, status: number, body: string | null, failure?: RequestFailure, node?: string): CheckedAnswer {
    const index = job.userIndex;
    const user = this.pool.users[index]!;
    const at = this.inFlight[index]!;
    this.inFlight[index] = null;
    const step = this.journey[at.phase][at.index]!;
    const assertSession = step.assertSession ?? at.phase === 'steps';
    const view = status > 0 && body !== null ? new AnswerView(status, body) : null;
    const verdict = judgeStep(this.journey, step, assertSession, view, failure, this.vars[index]!, user.tokenStored);
    this.count(at, verdict, user.id, view);
    applyVerdict(user, verdict.outcome, assertSession, view !== null);
    this.advance(index, at, verdict.outcome, user);
    const hold = Math.max(failure === 'timeout' ? this.timeoutHoldMs : 0, this.thinkMs[at.phase][at.index]!);
    this.pool.release(index, hold);
    return { outcome: verdict.outcome, node: node ?? null, expected: 0, got: null, ...(verdict.reason ? { detail: `${step.name}: ${verdict.reason}` } : {}) };
  }

  private advance(index: number, at: Position, outcome: OutcomeName, user: UserModel): void {
    const position = this.position[index]!;
    if (at.phase === 'once') {
      // Logging in failed somewhere: start it again from the first step.
      if (outcome !== 'ok') position.index = 0;
      else if (at.index + 1 >= this.journey.once.length) Object.assign(position, { phase: 'steps', index: 0 });
      else position.index = at.index + 1;
      return;
    }
    // Never logged in (the login did not take): log in again.
    if (!user.tokenStored && outcome !== 'ok' && this.journey.once.length > 0) {
      Object.assign(position, { phase: 'once', index: 0 });
      return;
    }
    position.index = (at.index + 1) % this.journey.steps.length;
  }

  private count(at: Position, verdict: StepVerdict, user: string, view: AnswerView | null): void {
    const stats = this.stats[at.phase][at.index]!;
    stats.requests++;
    if (verdict.extractFailed) stats.extractFailed++;
    if (verdict.checkFailed) stats.checkFailed++;
    if (verdict.outcome === 'ok') stats.ok++;
    else if (verdict.outcome === 'reset') stats.loggedOut++;
    else if (verdict.outcome === 'leak') stats.leak++;
    else stats.error++;
    if (verdict.outcome !== 'ok' && stats.failures.length < JOURNEY_SAMPLES_PER_STEP) {
      stats.failures.push({
        t: Math.max(0, Math.round(performance.now() - this.startedAt)),
        user,
        status: view?.status ?? 0,
        outcome: verdict.outcome === 'reset' ? 'logged-out' : verdict.outcome === 'leak' ? 'leak' : 'error',
        reason: (verdict.reason ?? '').slice(0, 500),
        excerpt: view ? view.excerpt() : '',
      });
    }
  }

  /** The step the final read repeats. */
  finalStep(): JourneyStep {
    const name = this.journey.finalRead;
    return [...this.journey.once, ...this.journey.steps].find((s) => s.name === name) ?? this.journey.steps[0]!;
  }

  /**
   * The final read (final-reads.ts's, for a journey): every user who was logged in repeats
   * the final step once (retried a few times when it gets no answer), judged by the session
   * assertion alone: logged in as itself (holds its session), logged out (lost it), another
   * identity (a leak), or unknown.
   */
  async finalReads(baseUrl: string, options: FinalReadOptions): Promise<FinalReadSummary> {
    const { concurrency, timeoutMs = 5000, attempts = 3, retryDelayMs = 200 } = options;
    const summary: FinalReadSummary = { users: 0, withToken: 0, withoutToken: 0, failed: 0, leaks: 0 };
    const step = this.finalStep();
    const client = new Pool(baseUrl, { connections: Math.max(1, concurrency), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    const targets = this.pool.users.map((user, index) => ({ user, index })).filter(({ user }) => user.tokenStored);
    let next = 0;
    const worker = async () => {
      for (;;) {
        const target = targets[next++];
        if (!target) return;
        const { user, index } = target;
        summary.users++;
        user.finalHasToken = null;
        const vars = this.vars[index]!;
        for (let attempt = 0; attempt < attempts && user.finalHasToken === null; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, retryDelayMs));
          const { path, request } = stepRequest(step, vars);
          let view: AnswerView | null = null;
          try {
            const answer = await exchange(client, baseUrl, { userIndex: index, path, kind: 'step', request }, user.cookies);
            if (answer.status >= 200 && answer.status < 400) view = new AnswerView(answer.status, answer.body);
          } catch {
            view = null;
          }
          if (!view) continue;
          const judged = view.judgeSession(this.journey.session, vars);
          if (judged.verdict === 'leak') {
            user.leaked = true;
            summary.leaks++;
          }
          user.finalHasToken = judged.verdict === 'ok';
        }
        if (user.finalHasToken === null) summary.failed++;
        else if (user.finalHasToken) summary.withToken++;
        else summary.withoutToken++;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
    } finally {
      await client.destroy().catch(() => {});
    }
    return summary;
  }

  section(): JourneySection {
    return { outcomeMapping: 'logged-out=reset', steps: [...this.stats.once, ...this.stats.steps].map((s) => ({ ...s, failures: [...s.failures] })), finalRead: this.finalStep().name };
  }
}

/** The user's model after one judged answer (the built-in checker's bookkeeping). */
export function applyVerdict(user: UserModel, outcome: OutcomeName, assertSession: boolean, answered: boolean): void {
  if (answered) user.answers++;
  if (outcome !== 'ok') user.nonOk++;
  if (outcome === 'leak') {
    user.leaked = true;
    user.lastHadToken = false;
  } else if (outcome === 'reset') {
    user.lastHadToken = false;
  } else if (outcome === 'ok' && assertSession) {
    // Logged in as itself: the journey's "token stored".
    user.tokenStored = true;
    user.lastHadToken = true;
  }
}
