/**
 * Checks every answer against a model of that user's session (DESIGN: the PHP app
 * contract). Status codes and latency cannot see a 200 with an empty session; this can.
 *
 * Per answer, with c = the highest visit_count acknowledged to the user since its session
 * last started over (a stale answer does not lower it; a reset starts it again at 1):
 *   ok (c+1) · reset (1 while c>=1) · stale (<= c) · ahead (> c+1) · unsaved (a 200 whose
 *   session could not be started or written: the app says so) · error (non-2xx, timeout,
 *   connection error, unreadable body) · leak (another user's session).
 * Per user: each user stores a private token (?set=) on its first visit, re-sent until an
 * answer says it was written. After the load (faults healed) every user's session is read
 * once more (Jepsen's final read). A user is intact (every answer ok), lost (the final read
 * no longer holds its token: the data it stored is gone; or it saw another user's session),
 * recovered (something went wrong, but its session holds its token again), unknown (its
 * final read failed: nothing can be said) or unserved (its token was never stored).
 */
import type { OutcomeName } from '../results/result-schema.js';

export interface AppAnswer {
  node: string | null;
  sid: string | null;
  visitCount: number;
  user: string | null;
  variableString: string | null;
  sessionStarted: boolean;
  /** The save handler's write succeeded; null when nothing was to be written (?read=1). */
  written: boolean | null;
  /** PHP warnings the session calls raised. */
  warnings: string[];
}

export interface UserModel {
  readonly id: string;
  readonly token: string;
  /** Highest visit_count acknowledged since the session last started over (0 before the first answer). */
  lastCount: number;
  /** An answer said the token was written (or a read found it stored) at least once. */
  tokenStored: boolean;
  /** Cookies kept for this user (name -> value). */
  readonly cookies: Map<string, string>;
  answers: number;
  nonOk: number;
  leaked: boolean;
  /** Whether the last answer that read the store held the user's token (the live estimate). */
  lastHadToken: boolean;
  /** The final read after the run: did the session hold the token? null = not read, or the read failed. */
  finalHasToken: boolean | null;
}

export function newUserModel(id: string, token: string): UserModel {
  return { id, token, lastCount: 0, tokenStored: false, cookies: new Map(), answers: 0, nonOk: 0, leaked: false, lastHadToken: false, finalHasToken: null };
}

/** Parses the app's JSON answer; null when it is not one. */
export function parseAppAnswer(body: string): AppAnswer | null {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.visit_count !== 'number') return null;
  return {
    node: typeof d.node === 'string' ? d.node : null,
    sid: typeof d.sid === 'string' ? d.sid : null,
    visitCount: d.visit_count,
    user: typeof d.user === 'string' ? d.user : null,
    variableString: typeof d.variableString === 'string' ? d.variableString : null,
    // An answer that does not say its session started is not trusted to have one.
    sessionStarted: d.session_started === true,
    written: typeof d.written === 'boolean' ? d.written : null,
    warnings: Array.isArray(d.warnings) ? d.warnings.filter((w): w is string => typeof w === 'string') : [],
  };
}

/** Another user's identity or token in this user's answer. */
export function isLeak(model: Pick<UserModel, 'id' | 'token'>, answer: AppAnswer): boolean {
  return (answer.user !== null && answer.user !== model.id) || (answer.variableString !== null && answer.variableString !== model.token);
}

/** The session could not be started, or a write it needed failed. */
export function isUnsaved(answer: AppAnswer): boolean {
  return !answer.sessionStarted || answer.written === false;
}

/** Pure classification of one readable 2xx answer against the model. */
export function classifyAnswer(model: Pick<UserModel, 'id' | 'token' | 'lastCount'>, answer: AppAnswer): OutcomeName {
  if (isLeak(model, answer)) return 'leak';
  if (isUnsaved(answer)) return 'unsaved';
  const c = model.lastCount;
  const got = answer.visitCount;
  if (got === c + 1) return 'ok';
  if (got === 1 && c >= 1) return 'reset';
  if (got <= c) return 'stale';
  return 'ahead';
}

export interface CheckedAnswer {
  outcome: OutcomeName;
  node: string | null;
  expected: number;
  got: number | null;
  /** The app's warnings, for the anomaly samples. */
  warnings?: string[];
  /** Why the answer is not ok, when the checker knows (a journey step's failed check): for the anomaly samples. */
  detail?: string;
}

/**
 * Applies one HTTP outcome to the user's model and returns its classification.
 * `status` 0 means no answer (timeout, connection error).
 */
export function checkResponse(model: UserModel, status: number, body: string | null): CheckedAnswer {
  const expected = model.lastCount + 1;
  const answer = status >= 200 && status < 300 && body !== null ? parseAppAnswer(body) : null;
  if (!answer) {
    model.nonOk++;
    return { outcome: 'error', node: null, expected, got: null };
  }
  const outcome = classifyAnswer(model, answer);
  const checked: CheckedAnswer = { outcome, node: answer.node, expected, got: answer.visitCount };
  if (answer.warnings.length > 0) checked.warnings = answer.warnings;
  model.answers++;
  if (outcome !== 'ok') model.nonOk++;
  if (outcome === 'leak') {
    model.leaked = true;
    model.lastHadToken = false;
    return checked;
  }
  // Nothing was stored: the model keeps what was acknowledged before. With the session not
  // started the answer's data is empty and says nothing about the store either.
  if (outcome === 'unsaved') {
    if (answer.sessionStarted) model.lastHadToken = answer.variableString === model.token;
    return checked;
  }
  // An older copy does not undo what the user saw acknowledged; a reset starts a new session.
  if (outcome !== 'stale') model.lastCount = answer.visitCount;
  const hasToken = answer.variableString === model.token;
  if (hasToken) model.tokenStored = true;
  model.lastHadToken = hasToken;
  return checked;
}

export type UserVerdict = 'intact' | 'recovered' | 'lost' | 'unknown' | 'unserved';

/** The user's verdict after the final read; without a successful final read it is unknown. */
export function userVerdict(model: UserModel): UserVerdict {
  if (model.leaked) return 'lost';
  if (!model.tokenStored) return 'unserved';
  if (model.finalHasToken === null) return 'unknown';
  if (!model.finalHasToken) return 'lost';
  return model.nonOk === 0 ? 'intact' : 'recovered';
}

/** Users judged so far during the load (for live thresholds): lost = leaked, or its last read lacked the token. */
/** Users by their verdict (result.sessions without the loss rate). */
export function sessionCounts(users: readonly UserModel[]): { users: number; intact: number; recovered: number; lost: number; unknown: number; unserved: number } {
  const counts = { users: users.length, intact: 0, recovered: 0, lost: 0, unknown: 0, unserved: 0 };
  for (const user of users) counts[userVerdict(user)]++;
  return counts;
}

export function liveSessionCounts(users: readonly UserModel[]): { judged: number; lost: number } {
  let judged = 0;
  let lost = 0;
  for (const user of users) {
    if (!user.tokenStored && !user.leaked) continue;
    judged++;
    if (user.leaked || !user.lastHadToken) lost++;
  }
  return { judged, lost };
}
