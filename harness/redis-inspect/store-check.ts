/**
 * The store's own view of every user's session, beside the HTTP verdict: for each virtual
 * user with a session id, the key phpredis wrote (`<prefix><sid>`) is read straight from
 * Redis (MGET, pipelined), decoded with the run's session.serialize_handler, and compared
 * with what the HTTP model says the user has. An independent cross-check: the HTTP check
 * sees the store only through the app, the balancer and the final read; this sees the bytes.
 *
 * Rules (DESIGN: the PHP app contract; harness/checks/session-checker.ts). The final read
 * is `?read=1`, which the app serves with read_and_close: it writes nothing, so after it
 * the store holds what the last write left and the token the final read saw. The model's
 * count is NOT one ahead because of it. The only write after the final read that the model
 * does not record is the Redis probe's TTL-refresh touch (one visit of one user): run this
 * check before that touch, or name the user in `touchedUsers` (one more increment allowed).
 *
 * Per user with a session id (the `PHPSESSID` cookie, or `cookieName`):
 * - missing: no key (expired, evicted, deleted, or lost with a restarted Redis).
 * - undecodable: the value does not decode with the run's serializer (the decoder's error
 *   is kept); PHP itself would destroy such a session ("Failed to decode session object").
 * - otherwise each field is compared; the user agrees when every field does:
 *   - token (`variableString`): another user's token (any value but null or the user's
 *     own) always disagrees. Else: the final read saw the token -> the store must hold it;
 *     the final read saw it gone -> the store must not hold it; no final read (or it failed)
 *     -> the store must hold it when an answer acknowledged it as written (acknowledged
 *     writes are durable), and may or may not when none did (a write whose answer was
 *     lost may have stored it).
 *   - user: must be the user's id (the app stores the first ?user= it is given and every
 *     request of the workload carries it); absent disagrees.
 *   - visit_count (unless `compareVisitCount: false`): with c = the highest count
 *     acknowledged (model.lastCount), the store must hold an integer in
 *     [c, c + unacknowledged], unacknowledged = the user's answers that were not ok
 *     (errors, timeouts, unsaved, ...: each is at most one write the model could not count;
 *     a bound, not an exact figure) + 1 when the user is in `touchedUsers`. Below c an
 *     acknowledged increment is gone from the store — unless the final read already saw the
 *     token gone: the HTTP check called that session lost, so a lower count agrees with it
 *     (only the upper bound applies). Burst workloads learn counts by reading (several
 *     writes per user in flight), so their model is not a per-write account: pass false.
 * - skipped: users without a session id (never answered with a cookie).
 *
 * Serializers: the decoder reads `php` and `php_serialize`; for `php_binary`, `igbinary` and
 * `msgpack` the section says `not-checked` (with the reason) and reads nothing.
 */
import { performance } from 'node:perf_hooks';
import { InvalidInputError } from '../errors.js';
import { userVerdict, type UserModel } from '../checks/session-checker.js';
import { decodePhpSession, type PhpSessionFormat } from '../serialization/php-session-decoder.js';
import { RedisInspectError, withRedis, type RedisTarget } from './redis-connection.js';
import { DEFAULT_SESSION_PREFIX } from './session-inspection.js';
import {
  STORE_CHECK_SAMPLES,
  storeVerdictKeys,
  type StoreCheckSection,
  type StoreDisagreement,
  type StoreField,
  type StoreStates,
  type StoreUndecodableSample,
  type StoreVerdictKey,
} from './store-check-section.js';

export { STORE_CHECK_SAMPLES, storeCheckSectionSchema, storeFields, storeVerdictKeys } from './store-check-section.js';
export type { StoreCheckSection, StoreDisagreement, StoreField, StoreStates, StoreUndecodableSample, StoreVerdictKey } from './store-check-section.js';

const DEFAULT_CHUNK = 500;
/** MGETs sent per pipeline round trip (20 x 500 = 10,000 keys). */
const CHUNKS_PER_PIPELINE = 20;
const MAX_SAMPLE_CHARS = 200;

/** session.serialize_handler values a scenario may run with (scenario-schema's enum). */
export const sessionSerializers = ['php', 'php_binary', 'php_serialize', 'igbinary', 'msgpack'] as const;
export const decodableSerializers: readonly PhpSessionFormat[] = ['php', 'php_serialize'];

export interface StoreCheckOptions {
  /** session.serialize_handler the nodes ran with (scenario.topology.serializer). */
  serializer: string;
  /** Key prefix (php.ini session.save_path `prefix=`); default `PHPREDIS_SESSION:`. */
  prefix?: string;
  /** session.name: the cookie holding the session id (default PHPSESSID). */
  cookieName?: string;
  /** Compare visit_count with the model (default true; false for burst workloads). */
  compareVisitCount?: boolean;
  /** Ids of users that made one write request after the model's last answer (the TTL-refresh touch). */
  touchedUsers?: Iterable<string>;
  /** Keys per MGET (default 500). */
  chunkSize?: number;
}

/** The model fields the check reads (a VirtualUserPool's users are UserModels). */
export type StoreCheckUser = UserModel;

interface Resolved {
  serializer: string;
  prefix: string;
  cookieName: string;
  compareVisitCount: boolean;
  touched: ReadonlySet<string>;
  chunkSize: number;
}

function resolve(options: StoreCheckOptions): Resolved {
  const prefix = options.prefix ?? DEFAULT_SESSION_PREFIX;
  if (prefix.length === 0) throw new InvalidInputError('store check: prefix must not be empty');
  const cookieName = options.cookieName ?? 'PHPSESSID';
  if (cookieName.length === 0) throw new InvalidInputError('store check: cookieName must not be empty');
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 10_000) {
    throw new InvalidInputError(`store check: chunkSize must be an integer in 1..10000 (got ${chunkSize})`);
  }
  if (!(sessionSerializers as readonly string[]).includes(options.serializer)) {
    throw new InvalidInputError(`store check: unknown serializer ${JSON.stringify(options.serializer)} (${sessionSerializers.join(' | ')})`);
  }
  return {
    serializer: options.serializer,
    prefix,
    cookieName,
    compareVisitCount: options.compareVisitCount ?? true,
    touched: new Set(options.touchedUsers ?? []),
    chunkSize,
  };
}

const emptyStates = (): StoreStates => ({ token: 0, noToken: 0, missing: 0, undecodable: 0, skipped: 0 });

export function storeVerdictKey(user: StoreCheckUser): StoreVerdictKey {
  const verdict = userVerdict(user);
  return verdict === 'lost' && user.leaked ? 'leaked' : verdict;
}

/** A stored value as a short sample: strings cut to 200 characters, non-UTF-8 bytes and structures described. */
export function sampleOf(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_SAMPLE_CHARS ? `${value.slice(0, MAX_SAMPLE_CHARS)}…` : value;
  if (typeof value === 'number' || typeof value === 'boolean') return Number.isFinite(value) || typeof value === 'boolean' ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return `(${value.length} bytes, not UTF-8)`;
  if (Array.isArray(value)) return `(array of ${value.length})`;
  const name = (value as { className?: unknown }).className;
  return typeof name === 'string' ? `(object ${name.slice(0, MAX_SAMPLE_CHARS)})` : '(array)';
}

export interface UserStoreFinding {
  user: string;
  verdict: StoreVerdictKey;
  state: 'agree' | 'disagree' | 'missing' | 'undecodable' | 'skipped';
  /** token / noToken / missing / undecodable / skipped: for byVerdict. */
  store: keyof StoreStates;
  disagreements: StoreDisagreement[];
  undecodable?: StoreUndecodableSample;
}

/**
 * Judges one user against what its key holds (`raw`: the value, or null when there is no key).
 * Pure: see the rules at the top of the file.
 */
export function judgeStoredUser(user: StoreCheckUser, raw: Buffer | string | null, options: StoreCheckOptions): UserStoreFinding {
  const o = resolve(options);
  return judge(user, user.cookies.get(o.cookieName) ?? null, raw, o);
}

function judge(user: StoreCheckUser, sid: string | null, raw: Buffer | string | null, o: Resolved): UserStoreFinding {
  const verdict = storeVerdictKey(user);
  const base = { user: user.id, verdict, disagreements: [] as StoreDisagreement[] };
  if (!sid) return { ...base, state: 'skipped', store: 'skipped' };
  if (raw === null) return { ...base, state: 'missing', store: 'missing' };
  const decoded = decodePhpSession(raw, o.serializer as PhpSessionFormat);
  if (!decoded.ok) {
    const { code, offset, message } = decoded.error;
    const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    return { ...base, state: 'undecodable', store: 'undecodable', undecodable: { user: user.id, serializer: o.serializer, code, offset, message: message.slice(0, MAX_SAMPLE_CHARS), bytes } };
  }
  const session = decoded.value;
  const out = base.disagreements;
  const add = (field: StoreField, store: unknown, model: string | number | null, rule: string) =>
    out.push({ user: user.id, field, store: sampleOf(store), model, rule });

  // token
  const stored = session.variableString ?? null;
  const hasToken = stored === user.token;
  if (stored !== null && !hasToken) {
    add('token', stored, user.finalHasToken === false || (user.finalHasToken === null && !user.tokenStored) ? null : user.token, "another value than the user's own token");
  } else if (user.finalHasToken === true && !hasToken) {
    add('token', stored, user.token, 'the final read saw the token; the store does not hold it');
  } else if (user.finalHasToken === false && hasToken) {
    add('token', stored, null, 'the final read saw the token gone; the store still holds it');
  } else if (user.finalHasToken === null && user.tokenStored && !hasToken) {
    add('token', stored, user.token, 'an answer acknowledged the token as written; the store does not hold it');
  }

  // user
  const storedUser = session.user ?? null;
  if (storedUser !== user.id) add('user', storedUser, user.id, storedUser === null ? 'no user in the session' : "another user's id");

  // visit_count
  if (o.compareVisitCount) {
    const c = user.lastCount;
    const slack = user.nonOk + (o.touched.has(user.id) ? 1 : 0);
    const got = session.visit_count;
    if (typeof got !== 'number' || !Number.isInteger(got)) {
      add('visit_count', got, c, 'not an integer');
    } else if (got > c + slack) {
      add('visit_count', got, c, `more than the ${c} acknowledged + ${slack} unacknowledged writes`);
    } else if (got < c && user.finalHasToken !== false) {
      add('visit_count', got, c, `below the ${c} acknowledged: increments acknowledged to the user are gone`);
    }
  }
  const state = out.length ? 'disagree' : 'agree';
  return { ...base, state, store: hasToken ? 'token' : 'noToken' };
}

function notCheckedReason(serializer: string): string | null {
  return (decodableSerializers as readonly string[]).includes(serializer)
    ? null
    : `the decoder reads ${decodableSerializers.join(' and ')}; session.serialize_handler ${serializer} cannot be decoded`;
}

/**
 * The section from values already read: `read(key)` gives the stored value or null. Pure
 * (the Redis part is checkStoredSessions); `durationMs` is the caller's measurement.
 */
export function buildStoreCheckSection(
  users: readonly StoreCheckUser[],
  read: (key: string) => Buffer | string | null,
  options: StoreCheckOptions,
  durationMs = 0,
): StoreCheckSection {
  const o = resolve(options);
  const reason = notCheckedReason(o.serializer);
  const section: StoreCheckSection = {
    status: reason ? 'not-checked' : 'checked',
    ...(reason ? { reason } : {}),
    prefix: o.prefix,
    serializer: o.serializer,
    cookieName: o.cookieName,
    visitCountCompared: o.compareVisitCount,
    users: users.length,
    checked: 0,
    agree: 0,
    disagree: 0,
    missing: 0,
    undecodable: 0,
    skipped: 0,
    disagreeByField: { token: 0, user: 0, visit_count: 0 },
    samples: [],
    undecodableSamples: [],
    missingSamples: [],
    byVerdict: { intact: emptyStates(), recovered: emptyStates(), lost: emptyStates(), leaked: emptyStates(), unknown: emptyStates(), unserved: emptyStates() },
    durationMs: Math.round(durationMs * 10) / 10,
  };
  for (const user of users) {
    const sid = user.cookies.get(o.cookieName) ?? null;
    if (reason || !sid) {
      section.skipped++;
      section.byVerdict[storeVerdictKey(user)].skipped++;
      continue;
    }
    const finding = judge(user, sid, read(o.prefix + sid), o);
    section.checked++;
    section.byVerdict[finding.verdict][finding.store]++;
    if (finding.state === 'agree') section.agree++;
    else if (finding.state === 'missing') {
      section.missing++;
      if (section.missingSamples.length < STORE_CHECK_SAMPLES) section.missingSamples.push(user.id);
    } else if (finding.state === 'undecodable') {
      section.undecodable++;
      if (section.undecodableSamples.length < STORE_CHECK_SAMPLES) section.undecodableSamples.push(finding.undecodable!);
    } else if (finding.state === 'disagree') {
      section.disagree++;
      for (const field of new Set(finding.disagreements.map((d) => d.field))) section.disagreeByField[field]++;
      for (const d of finding.disagreements) if (section.samples.length < STORE_CHECK_SAMPLES) section.samples.push(d);
    }
  }
  return section;
}

/**
 * Reads every user's session key from Redis (MGET in chunks of `chunkSize`, 20 chunks per
 * pipeline round trip), straight to Redis (not through the fault proxies), decodes and
 * judges it. Run it after the final reads, with every fault healed, before the stack stops.
 */
export async function checkStoredSessions(redis: RedisTarget, users: readonly StoreCheckUser[], options: StoreCheckOptions): Promise<StoreCheckSection> {
  const started = performance.now();
  const o = resolve(options);
  if (notCheckedReason(o.serializer)) return buildStoreCheckSection(users, () => null, options);
  const keys = [...new Set(users.flatMap((u) => {
    const sid = u.cookies.get(o.cookieName);
    return sid ? [o.prefix + sid] : [];
  }))];
  const values = new Map<string, Buffer | null>();
  if (keys.length > 0) {
    await withRedis(redis, async (client) => {
      const perPipeline = o.chunkSize * CHUNKS_PER_PIPELINE;
      for (let i = 0; i < keys.length; i += perPipeline) {
        const batch = keys.slice(i, i + perPipeline);
        const pipe = client.pipeline();
        const chunks: string[][] = [];
        for (let j = 0; j < batch.length; j += o.chunkSize) {
          const chunk = batch.slice(j, j + o.chunkSize);
          chunks.push(chunk);
          pipe.mgetBuffer(...chunk);
        }
        const replies = (await pipe.exec()) ?? [];
        if (replies.length !== chunks.length) throw new RedisInspectError(`store check: ${replies.length} MGET replies for ${chunks.length} commands`);
        replies.forEach(([error, reply], k) => {
          if (error) throw new RedisInspectError(`store check: MGET failed: ${error.message}`, { cause: error });
          const chunk = chunks[k]!;
          const got = reply as Array<Buffer | null>;
          for (let n = 0; n < chunk.length; n++) values.set(chunk[n]!, got[n] ?? null);
        });
      }
    });
  }
  const section = buildStoreCheckSection(users, (key) => values.get(key) ?? null, options);
  // After the judging: the figure covers reading and decoding, as the schema says.
  section.durationMs = Math.round((performance.now() - started) * 10) / 10;
  return section;
}

/** The HTTP verdict's user counts (result.sessions). */
export interface SessionCounts {
  users: number;
  intact: number;
  recovered: number;
  lost: number;
  unknown?: number;
  unserved: number;
}

export interface VerdictComparison {
  /** agrees: every compared user; disagrees: at least one contradiction; mismatch: not the same users; not-compared: nothing to compare. */
  status: 'agrees' | 'disagrees' | 'mismatch' | 'not-compared';
  /** Users judged intact, recovered or lost (not by a leak) whose key was read and decoded, or found missing. */
  compared: number;
  agreeing: number;
  /** Called lost, but the store holds the user's token. */
  lostWithToken: number;
  /** Called intact or recovered, but the store does not hold the token (missing keys included). */
  keptWithoutToken: number;
  keptMissing: number;
  statement: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const sum = (s: StoreStates) => s.token + s.noToken + s.missing + s.undecodable + s.skipped;

/**
 * How the store relates to the HTTP verdict, in one line. Pure. A user the HTTP check kept
 * (intact, recovered) agrees when the store holds its token; a user it called lost agrees
 * when the store does not (no key, or a key without the token). Leaked, unknown and unserved
 * users, undecodable keys and users without a session id are not compared (counted apart).
 */
export function compareWithVerdict(store: StoreCheckSection, sessions: SessionCounts): VerdictComparison {
  const none = { compared: 0, agreeing: 0, lostWithToken: 0, keptWithoutToken: 0, keptMissing: 0 };
  if (store.status === 'not-checked') return { status: 'not-compared', ...none, statement: `store not checked: ${store.reason ?? 'no reason given'}` };
  const v = store.byVerdict;
  const mine = { users: store.users, intact: sum(v.intact), recovered: sum(v.recovered), lost: sum(v.lost) + sum(v.leaked), unknown: sum(v.unknown), unserved: sum(v.unserved) };
  const theirs = { users: sessions.users, intact: sessions.intact, recovered: sessions.recovered, lost: sessions.lost, unknown: sessions.unknown ?? 0, unserved: sessions.unserved };
  const differ = (Object.keys(mine) as Array<keyof typeof mine>).filter((k) => mine[k] !== theirs[k]);
  if (differ.length > 0) {
    const show = (c: typeof mine) => differ.map((k) => `${c[k]} ${k}`).join(', ');
    return {
      status: 'mismatch',
      ...none,
      statement: `the store check and the HTTP verdict do not cover the same users (store check: ${show(mine)}; verdict: ${show(theirs)}): they were not taken from the same final state`,
    };
  }
  const kept = { token: v.intact.token + v.recovered.token, noToken: v.intact.noToken + v.recovered.noToken, missing: v.intact.missing + v.recovered.missing };
  const lostWithToken = v.lost.token;
  const keptWithoutToken = kept.noToken + kept.missing;
  const compared = kept.token + keptWithoutToken + v.lost.token + v.lost.noToken + v.lost.missing;
  const agreeing = kept.token + v.lost.noToken + v.lost.missing;

  const notCompared: string[] = [];
  const unreadable = (s: StoreStates) => s.undecodable;
  const undecodable = unreadable(v.intact) + unreadable(v.recovered) + unreadable(v.lost);
  const noSid = v.intact.skipped + v.recovered.skipped + v.lost.skipped;
  if (sum(v.unknown)) notCompared.push(`${sum(v.unknown)} unknown`);
  if (sum(v.unserved)) notCompared.push(`${sum(v.unserved)} unserved`);
  if (sum(v.leaked)) notCompared.push(`${sum(v.leaked)} lost by a leak`);
  if (undecodable) notCompared.push(`${undecodable} undecodable`);
  if (noSid) notCompared.push(`${noSid} without a session id`);
  const tail: string[] = [];
  if (notCompared.length) tail.push(`not compared: ${notCompared.join(', ')}`);
  const unknownRead = v.unknown.token + v.unknown.noToken + v.unknown.missing;
  if (unknownRead > 0) tail.push(`Redis holds the token for ${v.unknown.token} of the ${plural(unknownRead, 'user')} the final read could not judge`);
  const suffix = tail.map((t) => `; ${t}`).join('');

  const counts = { compared, agreeing, lostWithToken, keptWithoutToken, keptMissing: kept.missing };
  if (compared === 0) return { status: 'not-compared', ...counts, statement: `no user could be compared with the HTTP verdict${suffix}` };
  const parts = [`store agrees with the HTTP verdict for ${agreeing} of ${plural(compared, 'user')}`];
  if (lostWithToken > 0) {
    parts.push(`${plural(lostWithToken, 'user')} the HTTP check called lost still ${lostWithToken === 1 ? 'has its' : 'have their'} token in Redis`);
  }
  if (keptWithoutToken > 0) {
    const missing = kept.missing === keptWithoutToken ? ' (no key)' : kept.missing > 0 ? ` (${kept.missing} without a key)` : '';
    parts.push(`${plural(keptWithoutToken, 'user')} the HTTP check called intact or recovered ${keptWithoutToken === 1 ? 'has' : 'have'} no token in Redis${missing}`);
  }
  return { status: agreeing === compared ? 'agrees' : 'disagrees', ...counts, statement: parts.join('; ') + suffix };
}
