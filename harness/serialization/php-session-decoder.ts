/**
 * Decodes PHP session payloads (what a save handler stores, e.g. the value of a
 * PHPREDIS_SESSION:<id> key) into JS values, for the `php` format
 * (`name|<serialize()>name|<serialize()>...`) and the `php_serialize` format (one
 * serialize()d array).
 *
 * Hostile input is expected (it comes from a store under fault injection): the decoder
 * never throws, every loop consumes input, declared lengths and counts are checked
 * against the bytes that remain before anything is allocated, and nesting is limited.
 *
 * Value mapping:
 * - N -> null, b -> boolean, d -> number (INF/-INF/NAN included)
 * - i -> number, or bigint outside Number's safe integer range
 * - s -> string when the bytes are valid UTF-8 (PHP lengths are BYTES), else a Buffer
 * - a -> array when the keys are exactly 0..n-1 in order, else a plain object
 * - O -> PhpObject, C -> PhpCustomObject (raw payload), E -> PhpEnum
 * - r / R -> the referenced value (same JS identity for arrays/objects). A reference to
 *   an array that encloses it (a cycle) is refused with UNSUPPORTED_REFERENCE; object
 *   cycles are kept (the PhpObject exists before its properties are read).
 */
import { isUtf8 } from 'node:buffer';

export type PhpSessionFormat = 'php' | 'php_serialize';

export type DecodeErrorCode =
  | 'TRUNCATED' // input ends inside a value
  | 'BAD_TAG' // unknown type tag
  | 'BAD_SYNTAX' // an expected delimiter is missing
  | 'BAD_LENGTH' // a declared length/count does not fit the remaining input
  | 'BAD_NUMBER' // malformed integer or float
  | 'BAD_KEY' // array key that is not i: or s:, or not valid UTF-8
  | 'BAD_REFERENCE' // r:/R: to a slot that does not exist
  | 'UNSUPPORTED_REFERENCE' // reference cycle through an array
  | 'UNSUPPORTED' // S: (escaped strings) and other legacy forms
  | 'DEPTH_LIMIT' // nesting deeper than maxDepth
  | 'NOT_AN_ARRAY' // php_serialize payload whose top level is not an array
  | 'TRAILING_DATA' // bytes after the end of the payload
  | 'BAD_NAME' // php format: variable name without '|', or not valid UTF-8
  | 'INVALID_ARGUMENT' // unknown format or input type
  | 'INTERNAL'; // a decoder bug, reported instead of thrown

export interface DecodeError {
  code: DecodeErrorCode;
  /** Byte offset in the payload where the problem was found. */
  offset: number;
  message: string;
}

export type DecodeResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; error: DecodeError };

export interface DecodeOptions {
  /** Maximum nesting of arrays/objects (default 128; PHP's unserialize_max_depth is 4096). */
  maxDepth?: number;
}

export type PhpVisibility = 'public' | 'protected' | { private: string };

/** A PHP object from `O:`. Property names are unmangled; non-public ones are listed in `visibility`. */
export class PhpObject {
  readonly properties: Record<string, unknown> = {};
  readonly visibility: Record<string, PhpVisibility> = {};
  constructor(readonly className: string) {}
}

/** A PHP object from `C:` (Serializable::serialize()); its payload is opaque to us. */
export class PhpCustomObject {
  constructor(
    readonly className: string,
    readonly data: Buffer,
  ) {}
}

/** A PHP 8.1 enum case from `E:`. */
export class PhpEnum {
  constructor(
    readonly className: string,
    readonly caseName: string,
  ) {}
}

const DEFAULT_MAX_DEPTH = 128;
/** Smallest encoding of one array element: key `i:0;` + value `N;`. */
const MIN_ELEMENT_BYTES = 6;
const MAX_INT_CHARS = 21; // "-9223372036854775808" + sign slack
const MAX_FLOAT_CHARS = 64;
const MAX_LENGTH_DIGITS = 15; // below Number.MAX_SAFE_INTEGER; any real length is far smaller

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|NAN|-?INF)$/;
const CANONICAL_INT_KEY_RE = /^(?:0|-?[1-9]\d*)$/;

/** Internal only: carries an error up to decodePhpSession, which turns it into a result. */
class Failure {
  constructor(readonly error: DecodeError) {}
}

/** Marks a slot whose array is still being read (a reference to it would be a cycle). */
const PENDING = Symbol('pending');

const C = {
  quote: 0x22,
  colon: 0x3a,
  semicolon: 0x3b,
  pipe: 0x7c,
  open: 0x7b,
  close: 0x7d,
  zero: 0x30,
  nine: 0x39,
};

type Key = number | bigint | string;

class Parser {
  pos = 0;
  /** End (exclusive) of the last readQuoted() range; a field, not a returned object: hot path. */
  quotedEnd = 0;
  /** PHP's var table: one slot per value (except R:), 1-based in the payload. */
  readonly slots: unknown[] = [];

  constructor(
    readonly buf: Buffer,
    readonly maxDepth: number,
  ) {}

  fail(code: DecodeErrorCode, message: string, offset = this.pos): never {
    throw new Failure({ code, offset, message });
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  expect(byte: number, what: string): void {
    if (this.pos >= this.buf.length) this.fail('TRUNCATED', `input ends where ${what} was expected`);
    if (this.buf[this.pos] !== byte) {
      this.fail('BAD_SYNTAX', `expected ${what} ('${String.fromCharCode(byte)}'), found 0x${this.buf[this.pos]!.toString(16).padStart(2, '0')}`);
    }
    this.pos++;
  }

  /** Reads bytes up to (not including) `terminator`, at most `max` of them, and skips the terminator. */
  readUntil(terminator: number, max: number, what: string): string {
    const start = this.pos;
    const limit = Math.min(this.buf.length, start + max + 1);
    for (let i = start; i < limit; i++) {
      if (this.buf[i] === terminator) {
        this.pos = i + 1;
        return this.buf.toString('latin1', start, i);
      }
    }
    if (limit === this.buf.length) this.fail('TRUNCATED', `input ends inside ${what}`, start);
    return this.fail('BAD_NUMBER', `${what} longer than ${max} characters`, start);
  }

  /** A non-negative decimal length or count followed by `terminator` (parsed from bytes: hot path). */
  readLength(terminator: number, what: string): number {
    const buf = this.buf;
    const start = this.pos;
    let n = 0;
    let i = start;
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      if (c >= C.zero && c <= C.nine) {
        if (i - start >= MAX_LENGTH_DIGITS) this.fail('BAD_NUMBER', `size of ${what} has more than ${MAX_LENGTH_DIGITS} digits`, start);
        n = n * 10 + (c - C.zero);
      } else if (c === terminator && i > start) {
        this.pos = i + 1;
        return n;
      } else {
        this.fail('BAD_NUMBER', `size of ${what} is not a non-negative integer followed by '${String.fromCharCode(terminator)}'`, i);
      }
    }
    return this.fail('TRUNCATED', `input ends inside ${what}`, start);
  }

  /** `len:"<len bytes>"` — returns the start of the bytes (end in quotedEnd); checks the length against what remains. */
  readQuoted(what: string): number {
    const lenOffset = this.pos;
    const len = this.readLength(C.colon, what);
    // Needs the 2 quotes too.
    if (len + 2 > this.remaining) {
      this.fail('BAD_LENGTH', `${what} declares ${len} bytes but only ${Math.max(0, this.remaining - 2)} remain`, lenOffset);
    }
    this.expect(C.quote, 'an opening quote');
    const start = this.pos;
    this.pos += len;
    this.expect(C.quote, 'a closing quote (is the declared length right?)');
    this.quotedEnd = start + len;
    return start;
  }

  /** The bytes as a string when they are valid UTF-8, else null. */
  utf8(start: number, end: number): string | null {
    const buf = this.buf;
    // Short ASCII strings (most keys and values) skip the Buffer slice machinery.
    if (end - start <= 24) {
      let out = '';
      let i = start;
      for (; i < end; i++) {
        const c = buf[i]!;
        if (c >= 0x80) break;
        out += String.fromCharCode(c);
      }
      if (i === end) return out;
    }
    return isUtf8(buf.subarray(start, end)) ? buf.toString('utf8', start, end) : null;
  }

  text(start: number, end: number, code: DecodeErrorCode, what: string): string {
    const text = this.utf8(start, end);
    if (text === null) this.fail(code, `${what} is not valid UTF-8`, start);
    return text;
  }

  readValue(depth: number): unknown {
    if (this.pos >= this.buf.length) this.fail('TRUNCATED', 'input ends where a value was expected');
    const tagOffset = this.pos;
    const tag = String.fromCharCode(this.buf[this.pos]!);
    this.pos++;
    if (tag === 'N') {
      this.expect(C.semicolon, "';' after N");
      return this.push(null);
    }
    this.expect(C.colon, "':' after the type tag");
    switch (tag) {
      case 'b': {
        const b = this.buf[this.pos];
        if (b === undefined) this.fail('TRUNCATED', 'input ends inside a boolean');
        if (b !== C.zero && b !== C.zero + 1) this.fail('BAD_NUMBER', 'boolean must be 0 or 1');
        this.pos++;
        this.expect(C.semicolon, "';' after a boolean");
        return this.push(b === C.zero + 1);
      }
      case 'i':
        return this.push(this.readInt());
      case 'd': {
        const start = this.pos;
        const text = this.readUntil(C.semicolon, MAX_FLOAT_CHARS, 'a float');
        if (!FLOAT_RE.test(text)) this.fail('BAD_NUMBER', `malformed float ${JSON.stringify(text)}`, start);
        const value = text === 'NAN' ? NaN : text === 'INF' ? Infinity : text === '-INF' ? -Infinity : Number(text);
        return this.push(value);
      }
      case 's': {
        const start = this.readQuoted('string');
        const end = this.quotedEnd;
        this.expect(C.semicolon, "';' after a string");
        return this.push(this.utf8(start, end) ?? Buffer.from(this.buf.subarray(start, end)));
      }
      case 'a':
        return this.readArray(depth);
      case 'O':
        return this.readObject(depth);
      case 'C': {
        const clsStart = this.readQuoted('class name');
        const className = this.text(clsStart, this.quotedEnd, 'BAD_SYNTAX', 'class name');
        this.expect(C.colon, "':' after the class name");
        const lenOffset = this.pos;
        const len = this.readLength(C.colon, 'custom object length');
        if (len + 2 > this.remaining) this.fail('BAD_LENGTH', `custom object declares ${len} bytes but fewer remain`, lenOffset);
        this.expect(C.open, "'{' of a custom object");
        const start = this.pos;
        this.pos += len;
        this.expect(C.close, "'}' of a custom object (declared length is wrong)");
        return this.push(new PhpCustomObject(className, Buffer.from(this.buf.subarray(start, start + len))));
      }
      case 'E': {
        const start = this.readQuoted('enum name');
        const end = this.quotedEnd;
        this.expect(C.semicolon, "';' after an enum");
        const name = this.text(start, end, 'BAD_SYNTAX', 'enum name');
        const sep = name.indexOf(':');
        if (sep <= 0 || sep === name.length - 1) this.fail('BAD_SYNTAX', `enum name ${JSON.stringify(name)} is not Class:Case`, start);
        return this.push(new PhpEnum(name.slice(0, sep), name.slice(sep + 1)));
      }
      case 'r':
      case 'R': {
        const idOffset = this.pos;
        const id = this.readLength(C.semicolon, 'reference id');
        const target = id >= 1 && id <= this.slots.length ? this.slots[id - 1] : undefined;
        if (id < 1 || id > this.slots.length) {
          this.fail('BAD_REFERENCE', `${tag}:${id} refers to a value that does not exist (only ${this.slots.length} so far)`, idOffset);
        }
        if (target === PENDING) {
          this.fail('UNSUPPORTED_REFERENCE', `${tag}:${id} refers to an array that contains it (a cycle)`, tagOffset);
        }
        // r: takes a slot of its own in PHP's var table; R: does not.
        return tag === 'r' ? this.push(target) : target;
      }
      case 'S':
        return this.fail('UNSUPPORTED', 'S: (escaped string) is not produced by PHP >= 6 and is not supported', tagOffset);
      default:
        return this.fail('BAD_TAG', `unknown type tag 0x${tag.charCodeAt(0).toString(16).padStart(2, '0')}`, tagOffset);
    }
  }

  push<T>(value: T): T {
    this.slots.push(value);
    return value;
  }

  readInt(): number | bigint {
    const buf = this.buf;
    const start = this.pos;
    // Fast path: up to 15 digits cannot leave Number's safe range.
    let i = start;
    let negative = false;
    if (buf[i] === 0x2d /* - */ || buf[i] === 0x2b /* + */) {
      negative = buf[i] === 0x2d;
      i++;
    }
    let n = 0;
    const digitsStart = i;
    for (; i < buf.length && i - digitsStart < 15; i++) {
      const c = buf[i]!;
      if (c < C.zero || c > C.nine) break;
      n = n * 10 + (c - C.zero);
    }
    if (i > digitsStart && buf[i] === C.semicolon) {
      this.pos = i + 1;
      return negative && n !== 0 ? -n : n;
    }
    const text = this.readUntil(C.semicolon, MAX_INT_CHARS, 'an integer');
    if (!INT_RE.test(text)) this.fail('BAD_NUMBER', `malformed integer ${JSON.stringify(text)}`, start);
    const num = Number(text);
    if (Number.isSafeInteger(num)) return num === 0 ? 0 : num;
    const big = BigInt(text);
    if (big > 9223372036854775807n || big < -9223372036854775808n) {
      this.fail('BAD_NUMBER', `integer ${text} does not fit 64 bits`, start);
    }
    return big;
  }

  /** `count:{` with the count checked against the remaining input. */
  readCount(what: string): number {
    const offset = this.pos;
    const count = this.readLength(C.colon, what);
    this.expect(C.open, "'{'");
    if (count * MIN_ELEMENT_BYTES + 1 > this.remaining) {
      this.fail('BAD_LENGTH', `${what} declares ${count} elements, more than the ${this.remaining} remaining bytes can hold`, offset);
    }
    return count;
  }

  readKey(): Key {
    const offset = this.pos;
    const tag = this.buf[this.pos];
    if (tag === undefined) this.fail('TRUNCATED', 'input ends where an array key was expected');
    if (tag !== 0x69 /* i */ && tag !== 0x73 /* s */) {
      this.fail('BAD_KEY', `array keys must be i: or s:, found 0x${tag.toString(16).padStart(2, '0')}`, offset);
    }
    this.pos++;
    this.expect(C.colon, "':' after the key type");
    if (tag === 0x69) return this.readInt();
    const start = this.readQuoted('key');
    const end = this.quotedEnd;
    this.expect(C.semicolon, "';' after a key");
    const key = this.text(start, end, 'BAD_KEY', 'array key');
    // PHP stores canonical decimal string keys as ints ("5" and 5 are the same key).
    return CANONICAL_INT_KEY_RE.test(key) && Number.isSafeInteger(Number(key)) ? Number(key) : key;
  }

  enter(depth: number): number {
    if (depth >= this.maxDepth) this.fail('DEPTH_LIMIT', `nesting deeper than ${this.maxDepth}`);
    return depth + 1;
  }

  readArray(depth: number, forceObject = false): unknown {
    const inner = this.enter(depth);
    const count = this.readCount('array');
    const slot = this.slots.length;
    this.slots.push(PENDING);
    // Stay a list while keys are 0..n-1; switch to an object at the first other key.
    let list: unknown[] | null = forceObject ? null : [];
    let obj: Record<string, unknown> | null = forceObject ? {} : null;
    for (let i = 0; i < count; i++) {
      const key = this.readKey();
      if (list !== null && key !== i) {
        obj = {};
        for (let j = 0; j < list.length; j++) obj[j] = list[j];
        list = null;
      }
      const item = this.readValue(inner);
      if (list !== null) list.push(item);
      else if (typeof key === 'string') setOwn(obj!, key, item);
      else obj![String(key)] = item;
    }
    this.expect(C.close, "'}' closing an array");
    const value = list ?? obj!;
    this.slots[slot] = value;
    return value;
  }

  readObject(depth: number): PhpObject {
    const clsStart = this.readQuoted('class name');
    const className = this.text(clsStart, this.quotedEnd, 'BAD_SYNTAX', 'class name');
    this.expect(C.colon, "':' after the class name");
    const inner = this.enter(depth);
    const count = this.readCount('object');
    const object = this.push(new PhpObject(className));
    for (let i = 0; i < count; i++) {
      const raw = String(this.readKey());
      const value = this.readValue(inner);
      // Mangled names: "\0*\0name" protected, "\0Class\0name" private.
      let name = raw;
      if (raw.charCodeAt(0) === 0) {
        const end = raw.indexOf('\0', 1);
        if (end > 0) {
          const scope = raw.slice(1, end);
          name = raw.slice(end + 1);
          setOwn(object.visibility, name, scope === '*' ? 'protected' : { private: scope });
        }
      }
      setOwn(object.properties, name, value);
    }
    this.expect(C.close, "'}' closing an object");
    return object;
  }
}

/** Assigns an own property, also for "__proto__" (which `obj[k] = v` would treat as the prototype). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

function decodePhpFormat(p: Parser): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const buf = p.buf;
  while (p.pos < buf.length) {
    const start = p.pos;
    const bar = buf.indexOf(C.pipe, start);
    if (bar < 0) p.fail('BAD_NAME', "session variable name is not followed by '|'", start);
    const name = p.text(start, bar, 'BAD_NAME', 'session variable name');
    p.pos = bar + 1;
    setOwn(out, name, p.readValue(0));
  }
  return out;
}

function decodePhpSerializeFormat(p: Parser): Record<string, unknown> {
  if (p.buf.length === 0) return {};
  if (p.buf[0] !== 0x61 /* a */) {
    p.fail('NOT_AN_ARRAY', `php_serialize payload must be a serialized array, found type tag '${String.fromCharCode(p.buf[0]!)}'`, 0);
  }
  p.pos = 1;
  p.expect(C.colon, "':' after type tag a");
  const value = p.readArray(0, true) as Record<string, unknown>;
  if (p.pos !== p.buf.length) p.fail('TRAILING_DATA', `${p.buf.length - p.pos} bytes after the end of the array`);
  return value;
}

/** Decodes one session payload. Never throws: malformed input gives `{ ok: false, error }`. */
export function decodePhpSession(payload: Buffer | string, format: PhpSessionFormat, options: DecodeOptions = {}): DecodeResult {
  try {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
      return { ok: false, error: { code: 'INVALID_ARGUMENT', offset: 0, message: 'payload must be a Buffer or a string' } };
    }
    const buf = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    const parser = new Parser(buf, maxDepth);
    if (format === 'php') return { ok: true, value: decodePhpFormat(parser) };
    if (format === 'php_serialize') return { ok: true, value: decodePhpSerializeFormat(parser) };
    return { ok: false, error: { code: 'INVALID_ARGUMENT', offset: 0, message: `unknown session format ${JSON.stringify(format)} (php | php_serialize)` } };
  } catch (error) {
    if (error instanceof Failure) return { ok: false, error: error.error };
    // Defensive: a bug here must still not throw into a checker.
    return { ok: false, error: { code: 'INTERNAL', offset: 0, message: `decoder failure: ${String(error)}` } };
  }
}
