/**
 * Checks every answer against a model of that user's session (DESIGN: the PHP app
 * contract). Status codes and latency cannot see a 200 with an empty session; this can.
 *
 * Per answer, with c = the highest visit_count acknowledged to the user since its session
 * last started over (a stale answer does not lower it; a reset starts it again at 1):
 *   ok (c+1) · reset (1 while c>=1) · stale (<= c) · ahead (> c+1) · error (non-2xx,
 *   timeout, connection error, unreadable body) · leak (another user's session).
 * Per user: each user stores a private token (?set=) on its first visit. After the load
 * (faults healed) every user's session is read once more (Jepsen's final read). A user is
 * intact (every answer ok), lost (the final read — or, without one, its last answer — no
 * longer holds its token: the data it stored is gone; or it saw another user's session), or
 * recovered (something went wrong, but its session holds its token again).
 */
import type { OutcomeName } from '../results/result-schema.js';

export interface AppAnswer {
  node: string | null;
  sid: string | null;
  visitCount: number;
  user: string | null;
  variableString: string | null;
  sessionStarted: boolean;
}

export interface UserModel {
  readonly id: string;
  readonly token: string;
  /** Highest visit_count acknowledged since the session last started over (0 before the first answer). */
  lastCount: number;
  /** The token was seen stored in the session at least once. */
  tokenStored: boolean;
  /** Cookies kept for this user (name -> value). */
  readonly cookies: Map<string, string>;
  answers: number;
  nonOk: number;
  leaked: boolean;
  /** Whether the last readable answer held the user's token. */
  lastHadToken: boolean;
  /** The final read after the run: did the session hold the token? null = not read (or it failed). */
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
    sessionStarted: d.session_started === true,
  };
}

/** Pure classification of one readable 2xx answer against the model. */
export function classifyAnswer(model: Pick<UserModel, 'id' | 'token' | 'lastCount'>, answer: AppAnswer): OutcomeName {
  if ((answer.user !== null && answer.user !== model.id) || (answer.variableString !== null && answer.variableString !== model.token)) {
    return 'leak';
  }
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
  model.answers++;
  if (outcome !== 'ok') model.nonOk++;
  if (outcome === 'leak') {
    model.leaked = true;
    model.lastHadToken = false;
    return { outcome, node: answer.node, expected, got: answer.visitCount };
  }
  // An older copy does not undo what the user saw acknowledged; a reset starts a new session.
  if (outcome !== 'stale') model.lastCount = answer.visitCount;
  const hasToken = answer.variableString === model.token;
  if (hasToken) model.tokenStored = true;
  model.lastHadToken = hasToken;
  return { outcome, node: answer.node, expected, got: answer.visitCount };
}

export type UserVerdict = 'intact' | 'recovered' | 'lost' | 'unserved';

export function userVerdict(model: UserModel): UserVerdict {
  if (model.leaked) return 'lost';
  if (!model.tokenStored) return 'unserved';
  if (!(model.finalHasToken ?? model.lastHadToken)) return 'lost';
  return model.nonOk === 0 ? 'intact' : 'recovered';
}
