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
import { CookieJar } from '../workload/cookie-jar.js';

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
  return { id, token, lastCount: 0, tokenStored: false, cookies: new CookieJar(), answers: 0, nonOk: 0, leaked: false, lastHadToken: false, finalHasToken: null };
}

/**
 * Parses the app's JSON answer; null when it is not one. Every answer of a run passes here,
 * so the app's own shape (one flat object, no whitespace, no escapes) is read by a scan of
 * its characters (`scanAppAnswer`) that builds only the fields the checker reads; anything
 * that scan does not fully vouch for goes to JSON.parse (`parseAppAnswerJson`), so the
 * result is the same as JSON.parse's for every body.
 */
export function parseAppAnswer(body: string): AppAnswer | null {
  const scanned = scanAppAnswer(body);
  return scanned !== undefined ? scanned : parseAppAnswerJson(body);
}

/** The reference reading: JSON.parse, then the fields. */
export function parseAppAnswerJson(body: string): AppAnswer | null {
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

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

/** Kinds of a scanned value (a strict subset of JSON's). */
const enum Kind {
  String,
  Number,
  True,
  False,
  Null,
  Array,
}

/**
 * A scanner for a strict subset of JSON: one object whose values are strings without escapes
 * or control characters, integers of at most 15 digits, true, false, null, or flat arrays of
 * those; no whitespace but after the closing brace. Whatever it accepts is valid JSON, read
 * to the same values JSON.parse gives (a repeated key: the last one wins, as in JSON.parse);
 * whatever it does not accept returns undefined and is left to JSON.parse.
 */
class AppAnswerScanner {
  pos = 0;
  /** The last value: its kind, and its bounds (a string: without the quotes) or its number. */
  kind = Kind.Null;
  start = 0;
  end = 0;
  number = 0;
  /** The strings of the last array value. */
  items: string[] | null = null;

  constructor(private readonly text: string) {}

  /** A string at `pos`: sets start/end (inside the quotes) and moves past it; false if not a plain one. */
  string(): boolean {
    const text = this.text;
    if (text.charCodeAt(this.pos) !== QUOTE) return false;
    const start = this.pos + 1;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.start = start;
        this.end = i;
        this.pos = i + 1;
        return true;
      }
      if (c === BACKSLASH || c < 0x20) return false;
    }
    return false;
  }

  /** A scalar value at `pos` (string, integer, true, false, null); false if not one of the subset. */
  scalar(): boolean {
    const text = this.text;
    const c = text.charCodeAt(this.pos);
    if (c === QUOTE) {
      this.kind = Kind.String;
      return this.string();
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.integer();
    if (text.startsWith('true', this.pos)) {
      this.kind = Kind.True;
      this.pos += 4;
      return true;
    }
    if (text.startsWith('false', this.pos)) {
      this.kind = Kind.False;
      this.pos += 5;
      return true;
    }
    if (text.startsWith('null', this.pos)) {
      this.kind = Kind.Null;
      this.pos += 4;
      return true;
    }
    return false;
  }

  /** -?(0|[1-9][0-9]*), at most 15 digits (exact in a double), followed by , } or ]. */
  private integer(): boolean {
    const text = this.text;
    let i = this.pos;
    const negative = text.charCodeAt(i) === MINUS;
    if (negative) i++;
    const first = i;
    let n = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      n = n * 10 + (c - ZERO);
    }
    const digits = i - first;
    if (digits === 0 || digits > 15 || (digits > 1 && text.charCodeAt(first) === ZERO)) return false;
    const next = text.charCodeAt(i);
    if (next !== COMMA && next !== CLOSE_BRACE && next !== CLOSE_BRACKET) return false;
    this.kind = Kind.Number;
    this.number = negative ? -n : n;
    this.pos = i;
    return true;
  }

  /** A value: a scalar, or a flat array of scalars (its strings kept in `items`). */
  value(): boolean {
    const text = this.text;
    if (text.charCodeAt(this.pos) !== OPEN_BRACKET) return this.scalar();
    this.pos++;
    const items: string[] = [];
    if (text.charCodeAt(this.pos) === CLOSE_BRACKET) {
      this.pos++;
    } else {
      for (;;) {
        if (!this.scalar()) return false;
        if (this.kind === Kind.String) items.push(text.slice(this.start, this.end));
        const c = text.charCodeAt(this.pos++);
        if (c === CLOSE_BRACKET) break;
        if (c !== COMMA) return false;
      }
    }
    this.kind = Kind.Array;
    this.items = items;
    return true;
  }

  /** The key just read is `name` (start/end of the key). */
  keyIs(name: string): boolean {
    return this.end - this.start === name.length && this.text.startsWith(name, this.start);
  }
}

/** A scanned string value, or null for any other kind. */
function stringOf(body: string, kind: Kind, start: number, end: number): string | null {
  return kind === Kind.String ? body.slice(start, end) : null;
}

/** The app's answer from the strict subset (see AppAnswerScanner); undefined when JSON.parse must decide. */
export function scanAppAnswer(body: string): AppAnswer | null | undefined {
  const s = new AppAnswerScanner(body);
  if (body.charCodeAt(0) !== OPEN_BRACE) return undefined;
  s.pos = 1;
  let node: string | null = null;
  let sid: string | null = null;
  let visitCount: number | null = null;
  let user: string | null = null;
  let variableString: string | null = null;
  let sessionStarted = false;
  let written: boolean | null = null;
  let warnings: string[] = [];
  if (body.charCodeAt(1) === CLOSE_BRACE) {
    s.pos = 2;
  } else {
    for (;;) {
      if (!s.string() || body.charCodeAt(s.pos) !== COLON) return undefined;
      const keyStart = s.start;
      const keyEnd = s.end;
      s.pos++;
      if (!s.value()) return undefined;
      const kind = s.kind;
      // The value's bounds, before the key's are put back for keyIs; sliced only for the fields read.
      const valueStart = s.start;
      const valueEnd = s.end;
      s.start = keyStart;
      s.end = keyEnd;
      switch (keyEnd - keyStart) {
        case 3:
          if (s.keyIs('sid')) sid = stringOf(body, kind, valueStart, valueEnd);
          break;
        case 4:
          if (s.keyIs('node')) node = stringOf(body, kind, valueStart, valueEnd);
          else if (s.keyIs('user')) user = stringOf(body, kind, valueStart, valueEnd);
          break;
        case 7:
          if (s.keyIs('written')) written = kind === Kind.True ? true : kind === Kind.False ? false : null;
          break;
        case 8:
          if (s.keyIs('warnings')) warnings = kind === Kind.Array ? s.items! : [];
          break;
        case 11:
          if (s.keyIs('visit_count')) visitCount = kind === Kind.Number ? s.number : null;
          break;
        case 14:
          if (s.keyIs('variableString')) variableString = stringOf(body, kind, valueStart, valueEnd);
          break;
        case 15:
          if (s.keyIs('session_started')) sessionStarted = kind === Kind.True;
          break;
      }
      const c = body.charCodeAt(s.pos++);
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return undefined;
    }
  }
  // Only JSON whitespace may follow the object (the app ends its answer with a newline).
  for (let i = s.pos; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c !== 10 && c !== 32 && c !== 13 && c !== 9) return undefined;
  }
  if (visitCount === null) return null;
  return { node, sid, visitCount, user, variableString, sessionStarted, written, warnings };
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
