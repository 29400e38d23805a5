/**
 * Reads a request body the way Toxiproxy does (Go's `json.NewDecoder(body).Decode`): only
 * the first JSON value counts and whatever follows it is ignored; an empty body is "EOF", a
 * truncated one "unexpected EOF"; syntax errors carry Go's scanner texts ("invalid character
 * 'x' looking for beginning of value"); nesting deeper than 10000 is refused; invalid UTF-8
 * and lone surrogates become U+FFFD, one per bad byte as Go does. Object members keep their
 * order and duplicates, and numbers keep their text, so the Go-style decoding (go-decode.ts)
 * sees what Go's decoder sees.
 */
export type JsonNode =
  | { kind: 'object'; members: { key: string; value: JsonNode }[] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

/** A body Go's decoder refuses; the message is Go's error text. */
export class GoJsonSyntaxError extends Error {}

const MAX_DEPTH = 10_000;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
const NAMED_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 0x5c: '\\\\' };

/** Go's quoteChar: the byte as a rune, quoted as strconv.Quote would. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const named = NAMED_ESCAPES[c];
  if (named) return `'${named}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u${c.toString(16).padStart(4, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

const UNEXPECTED_EOF = 'unexpected EOF';

/** One rune of UTF-8 as Go's utf8.DecodeRune reads it: an invalid sequence is U+FFFD, 1 byte. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf && cont(1)) return [((b0 & 0x1f) << 6) | (b[i + 1]! & 0x3f), 2];
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    if (cont(1, lo, hi) && cont(2)) return [((b0 & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f), 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (cont(1, lo, hi) && cont(2) && cont(3)) {
      return [((b0 & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f), 4];
    }
  }
  return [0xfffd, 1];
}

const hex4 = (b: Uint8Array, i: number): number => parseInt(String.fromCharCode(b[i]!, b[i + 1]!, b[i + 2]!, b[i + 3]!), 16);

/** Go's unquote of a string literal already checked by the scanner (between the quotes). */
function unquote(b: Uint8Array, start: number, end: number): string {
  let out = '';
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c !== 0x5c) {
      const [rune, size] = decodeRune(b, i);
      out += String.fromCodePoint(rune);
      i += size;
      continue;
    }
    const e = b[i + 1]!;
    if (e !== 0x75) {
      out += { 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' }[e] ?? String.fromCharCode(e);
      i += 2;
      continue;
    }
    let rune = hex4(b, i + 2);
    i += 6;
    if (rune >= 0xd800 && rune < 0xe000) {
      // A valid pair is consumed; anything else is U+FFFD and the next escape is read on its own.
      const low = i + 5 < end && b[i] === 0x5c && b[i + 1] === 0x75 ? hex4(b, i + 2) : -1;
      if (rune < 0xdc00 && low >= 0xdc00 && low < 0xe000) {
        rune = 0x10000 + ((rune - 0xd800) << 10) + (low - 0xdc00);
        i += 6;
      } else {
        rune = 0xfffd;
      }
    }
    out += String.fromCodePoint(rune);
  }
  return out;
}

type Frame = { kind: 'object'; node: Extract<JsonNode, { kind: 'object' }>; key: string | null } | { kind: 'array'; node: Extract<JsonNode, { kind: 'array' }> };

/** Decodes the first JSON value of `bytes` (see the module comment); throws GoJsonSyntaxError. */
export function decodeFirstValue(bytes: Uint8Array): JsonNode {
  const n = bytes.length;
  let i = 0;
  const stack: Frame[] = [];
  const fail = (context: string): never => {
    if (i >= n) throw new GoJsonSyntaxError(UNEXPECTED_EOF);
    throw new GoJsonSyntaxError(`invalid character ${quoteChar(bytes[i]!)} ${context}`);
  };
  const skipSpace = (): void => {
    while (i < n && isSpace(bytes[i]!)) i++;
  };
  const expect = (literal: string, name: string): void => {
    for (let k = 1; k < literal.length; k++) {
      i++;
      if (bytes[i] !== literal.charCodeAt(k)) fail(`in literal ${name} (expecting '${literal[k]}')`);
    }
    i++;
  };
  const readString = (): string => {
    const start = ++i; // after the opening quote
    for (;;) {
      if (i >= n) fail('');
      const c = bytes[i]!;
      if (c === 0x22) break;
      if (c < 0x20) fail('in string literal');
      if (c === 0x5c) {
        i++;
        if (i >= n) fail('');
        const e = bytes[i]!;
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= n || !isHex(bytes[i]!)) fail('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(String.fromCharCode(e))) {
          fail('in string escape code');
        }
      }
      i++;
    }
    const value = unquote(bytes, start, i);
    i++; // the closing quote
    return value;
  };
  const digits = (): void => {
    while (i < n && isDigit(bytes[i]!)) i++;
  };
  const readNumber = (): string => {
    const start = i;
    if (bytes[i] === 0x2d) {
      i++;
      if (i >= n || !isDigit(bytes[i]!)) fail('in numeric literal');
    }
    if (bytes[i] === 0x30) i++;
    else digits();
    if (bytes[i] === 0x2e) {
      i++;
      if (i >= n || !isDigit(bytes[i]!)) fail('after decimal point in numeric literal');
      digits();
    }
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
      if (i >= n || !isDigit(bytes[i]!)) fail('in exponent of numeric literal');
      digits();
    }
    return Buffer.from(bytes.subarray(start, i)).toString('latin1');
  };
  const open = (frame: Frame): void => {
    stack.push(frame);
    if (stack.length > MAX_DEPTH) fail('exceeded max depth');
    i++;
  };

  skipSpace();
  if (i >= n) throw new GoJsonSyntaxError('EOF');
  for (;;) {
    // At the beginning of a value.
    skipSpace();
    if (i >= n) fail('');
    const c = bytes[i]!;
    let value: JsonNode | null = null;
    if (c === 0x7b) {
      const node: JsonNode = { kind: 'object', members: [] };
      open({ kind: 'object', node, key: null });
      skipSpace();
      if (bytes[i] === 0x7d) {
        i++;
        stack.pop();
        value = node;
      } else {
        if (i >= n) fail('');
        if (bytes[i] !== 0x22) fail('looking for beginning of object key string');
        (stack.at(-1) as Extract<Frame, { kind: 'object' }>).key = readString();
        skipSpace();
        if (bytes[i] !== 0x3a) fail('after object key');
        i++;
        continue;
      }
    } else if (c === 0x5b) {
      const node: JsonNode = { kind: 'array', items: [] };
      open({ kind: 'array', node });
      skipSpace();
      if (bytes[i] !== 0x5d) continue;
      i++;
      stack.pop();
      value = node;
    } else if (c === 0x22) value = { kind: 'string', value: readString() };
    else if (c === 0x2d || isDigit(c)) value = { kind: 'number', text: readNumber() };
    else if (c === 0x74) (expect('true', 'true'), (value = { kind: 'bool', value: true }));
    else if (c === 0x66) (expect('false', 'false'), (value = { kind: 'bool', value: false }));
    else if (c === 0x6e) (expect('null', 'null'), (value = { kind: 'null' }));
    else fail('looking for beginning of value');

    // After a value: attach it, then close containers or go on to the next element.
    for (;;) {
      const top = stack.at(-1);
      if (!top) return value!; // the first value is complete; the rest of the body is ignored
      if (top.kind === 'object') top.node.members.push({ key: top.key!, value: value! });
      else top.node.items.push(value!);
      skipSpace();
      if (i >= n) fail('');
      const d = bytes[i]!;
      const close = top.kind === 'object' ? 0x7d : 0x5d;
      if (d === close) {
        i++;
        stack.pop();
        value = top.node;
        continue;
      }
      if (d !== 0x2c) fail(top.kind === 'object' ? 'after object key:value pair' : 'after array element');
      i++;
      if (top.kind === 'object') {
        skipSpace();
        if (i >= n) fail('');
        if (bytes[i] !== 0x22) fail('looking for beginning of object key string');
        top.key = readString();
        skipSpace();
        if (i >= n) fail('');
        if (bytes[i] !== 0x3a) fail('after object key');
        i++;
      }
      break;
    }
  }
}
