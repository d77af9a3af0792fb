/**
 * Lossless, bounded parsing of wire JSON (SPEC §2.1 "Consequence").
 *
 * `JSON.parse` would turn `1.0` into `1` and `2**70` into a rounded double, and then a Python sender's
 * signature can never verify. This parser keeps every number the way Python's `json` module reads it:
 * integer literals exactly (bigint beyond the safe range), integral floats as {@link JsonFloat}.
 *
 * Why hand-written: maintained lossless parsers (lossless-json and others) recurse per nesting level
 * and have no depth or size limit, so a 100,000-deep document overflows the stack; and none
 * classifies numbers by Python's rules. Documents whose numbers are all small integer literals (most
 * packets) take a fast path: one linear pre-scan for depth, then the engine's own `JSON.parse`.
 *
 * Both paths refuse JSON that could mean two things (SPEC §10.3) with {@link AmbiguousJsonError}: an
 * object with a duplicate key (`JSON.parse` and Python keep the last, other readers the first) and an
 * object key containing a lone surrogate (no implementation can verify a signature over it). Lone
 * surrogates in string values interoperate and stay allowed.
 */
import { AmbiguousJsonError, PayloadValidationError } from '../errors.js';
import { JsonFloat, type JsonArray, type JsonObject, type JsonValue } from './json-value.js';

export interface JsonLimits {
  /** Largest accepted document, in UTF-8 bytes. Default 64 KiB (see {@link DEFAULT_JSON_LIMITS}). */
  readonly maxBytes: number;
  /** Deepest accepted nesting of arrays and objects (the outermost container is depth 1). Default 32. */
  readonly maxDepth: number;
  /** Longest integer literal, in digits. Default 4300, Python's own `int` limit. */
  readonly maxIntegerDigits: number;
}

/**
 * Chosen from what task packets need, not from what a parser survives: the reference's own envelopes
 * are 0.6–1.3 KB, and a delegated task carries references (`memory_refs`), not documents. At 64 KiB
 * and depth 32 the worst unauthenticated input costs a few milliseconds before its REJECT (`npm run
 * bench -- worst-input`); at 1 MiB it cost hundreds. Raise them knowingly, on both sides: creating a
 * packet uses the same limits, so nothing is signed that a default verifier would refuse to parse.
 */
export const DEFAULT_JSON_LIMITS: JsonLimits = Object.freeze({
  maxBytes: 65_536,
  maxDepth: 32,
  maxIntegerDigits: 4300,
});

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Parse wire JSON losslessly. Throws {@link PayloadValidationError} for anything else. */
export function parseJson(input: string | Uint8Array, limits: Partial<JsonLimits> = {}): JsonValue {
  const maxBytes = limits.maxBytes ?? DEFAULT_JSON_LIMITS.maxBytes;
  const maxDepth = limits.maxDepth ?? DEFAULT_JSON_LIMITS.maxDepth;
  const maxIntegerDigits = limits.maxIntegerDigits ?? DEFAULT_JSON_LIMITS.maxIntegerDigits;
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes || (input.length * 3 > maxBytes && Buffer.byteLength(input) > maxBytes)) {
      throw new PayloadValidationError(`JSON document larger than ${maxBytes} bytes`);
    }
    text = input;
  } else if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) {
      throw new PayloadValidationError(`JSON document larger than ${maxBytes} bytes`);
    }
    try {
      text = utf8Decoder.decode(input);
    } catch {
      throw new PayloadValidationError('JSON document is not valid UTF-8');
    }
  } else {
    throw new PayloadValidationError('JSON document must be a string or bytes');
  }

  const scan = preScan(text, maxDepth);
  if (scan >= 0) {
    let value: JsonValue;
    try {
      value = JSON.parse(text) as JsonValue;
    } catch {
      throw new PayloadValidationError('malformed JSON');
    }
    // JSON.parse silently keeps the last of duplicate keys: fewer keys than the text has means some
    // object had one twice. A document without a single key (arrays, scalars) needs no walk at all.
    if (scan > 1) checkKeys(value, scan >>> 1, (scan & 1) === 1);
    return value;
  }
  return new LosslessParser(text, maxDepth, maxIntegerDigits).parse();
}

/**
 * One linear pass: enforces the depth limit, and returns -1 when any number literal is a float or has
 * more than 15 digits (the lossless parser is needed; it re-checks everything itself). Otherwise
 * returns, packed into one number so the hot path allocates nothing, twice the number of object keys
 * in the text (the `:` outside strings: in valid JSON each follows exactly one key), plus 1 when a key
 * holds an escape or a surrogate and so might hold a lone surrogate.
 */
function preScan(text: string, maxDepth: number): number {
  const n = text.length;
  let depth = 0;
  let keys = 0;
  let suspectKey = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i + 1;
      let from = start;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return -1; // unterminated: let the full parser report it
        let b = q - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((q - 1 - b) % 2 === 0) {
          i = q;
          break;
        }
        from = q + 1;
      }
      // A key (a string before a colon; whitespace there is rare) is looked at here, where its bounds
      // are known: only documents with a suspect key pay for the exact check after parsing.
      if (suspectKey === 0) {
        let k = i + 1;
        let d = text.charCodeAt(k);
        while (d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) d = text.charCodeAt(++k);
        if (d === 0x3a) {
          for (let j = start; j < i; j++) {
            const e = text.charCodeAt(j);
            if (e === 0x5c || (e >= 0xd800 && e <= 0xdfff)) {
              suspectKey = 1;
              break;
            }
          }
        }
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw depthError(maxDepth);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x3a) {
      keys++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let digits = 0;
      let j = i;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b) return -1;
        else if (d !== 0x2d) break;
      }
      if (digits > 15) return -1;
      i = j - 1;
    }
  }
  return keys * 2 + suspectKey;
}

/**
 * After `JSON.parse`: every object's own keys, counted, must add up to the keys the text has (fewer
 * means a duplicate was dropped), and, when the pre-scan saw a suspect key, no key may hold a lone
 * surrogate. An explicit stack: the depth
 * limit is configurable, the call stack is not.
 */
function checkKeys(root: JsonValue, expectedKeys: number, suspectKeys: boolean): void {
  let seen = 0;
  const stack: JsonValue[] = [root];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i]!;
        if (typeof item === 'object' && item !== null) stack.push(item);
      }
      continue;
    }
    const keys = Object.keys(value);
    seen += keys.length;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (suspectKeys && hasLoneSurrogate(key)) throw new AmbiguousJsonError('lone_surrogate_key');
      const item = (value as JsonObject)[key]!;
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  if (seen !== expectedKeys) throw new AmbiguousJsonError('duplicate_key');
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Keys are short and surrogate-free in practice: one loop decides whether the regex is needed at all. */
function hasLoneSurrogate(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return LONE_SURROGATE.test(key);
  }
  return false;
}

function depthError(maxDepth: number): PayloadValidationError {
  return new PayloadValidationError(`JSON nesting deeper than ${maxDepth}`);
}

interface Frame {
  readonly array: JsonArray | undefined;
  readonly object: JsonObject | undefined;
  key: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class LosslessParser {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxIntegerDigits: number,
  ) {}

  parse(): JsonValue {
    const text = this.text;
    const stack: Frame[] = [];
    let value: JsonValue;
    outer: for (;;) {
      this.skipWhitespace();
      const c = text.charCodeAt(this.i);
      if (c === 0x7b /* { */) {
        this.i++;
        this.skipWhitespace();
        const object: JsonObject = {};
        if (text.charCodeAt(this.i) === 0x7d) {
          this.i++;
          value = object;
        } else {
          if (stack.length + 1 > this.maxDepth) throw depthError(this.maxDepth);
          stack.push({ array: undefined, object, key: this.readKeyAndColon() });
          continue;
        }
      } else if (c === 0x5b /* [ */) {
        this.i++;
        this.skipWhitespace();
        const array: JsonArray = [];
        if (text.charCodeAt(this.i) === 0x5d) {
          this.i++;
          value = array;
        } else {
          if (stack.length + 1 > this.maxDepth) throw depthError(this.maxDepth);
          stack.push({ array, object: undefined, key: '' });
          continue;
        }
      } else if (c === 0x22) {
        value = this.readString();
      } else if (text.startsWith('true', this.i)) {
        this.i += 4;
        value = true;
      } else if (text.startsWith('false', this.i)) {
        this.i += 5;
        value = false;
      } else if (text.startsWith('null', this.i)) {
        this.i += 4;
        value = null;
      } else {
        value = this.readNumber();
      }

      // A value is complete: hand it to its container, closing as many containers as end here.
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) break outer;
        this.skipWhitespace();
        const next = text.charCodeAt(this.i);
        if (top.array !== undefined) {
          top.array.push(value);
          if (next === 0x2c) {
            this.i++;
            continue outer;
          }
          if (next !== 0x5d) throw this.fail('expected , or ]');
          this.i++;
          value = top.array;
        } else {
          setOwn(top.object!, top.key, value);
          if (next === 0x2c) {
            this.i++;
            this.skipWhitespace();
            top.key = this.readKeyAndColon();
            continue outer;
          }
          if (next !== 0x7d) throw this.fail('expected , or }');
          this.i++;
          value = top.object!;
        }
        stack.pop();
      }
    }
    this.skipWhitespace();
    if (this.i !== text.length) throw this.fail('unexpected data after the JSON value');
    return value;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let c = text.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++this.i);
  }

  private readKeyAndColon(): string {
    if (this.text.charCodeAt(this.i) !== 0x22) throw this.fail('expected a string key');
    const key = this.readString();
    if (hasLoneSurrogate(key)) throw new AmbiguousJsonError('lone_surrogate_key');
    this.skipWhitespace();
    if (this.text.charCodeAt(this.i) !== 0x3a) throw this.fail('expected :');
    this.i++;
    return key;
  }

  private readString(): string {
    const text = this.text;
    let i = this.i + 1;
    let start = i;
    let out = '';
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        this.i = i + 1;
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text.charCodeAt(i + 1);
        switch (e) {
          case 0x22:
            out += '"';
            break;
          case 0x5c:
            out += '\\';
            break;
          case 0x2f:
            out += '/';
            break;
          case 0x62:
            out += '\b';
            break;
          case 0x66:
            out += '\f';
            break;
          case 0x6e:
            out += '\n';
            break;
          case 0x72:
            out += '\r';
            break;
          case 0x74:
            out += '\t';
            break;
          case 0x75: {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            throw this.fail('bad escape');
        }
        i += 2;
        start = i;
        continue;
      }
      if (c < 0x20 || Number.isNaN(c)) throw this.fail('unterminated string or raw control character');
      i++;
    }
  }

  private readNumber(): JsonValue {
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (match === null) throw this.fail('unexpected character');
    const literal = match[0];
    this.i += literal.length;
    if (match[1] !== undefined || match[2] !== undefined) {
      const value = Number(literal);
      if (!Number.isFinite(value)) throw this.fail('number out of double range');
      return Number.isInteger(value) ? new JsonFloat(value) : value;
    }
    const digits = literal.charCodeAt(0) === 0x2d ? literal.length - 1 : literal.length;
    if (digits <= 15) {
      const value = Number(literal);
      return value === 0 ? 0 : value;
    }
    if (digits > this.maxIntegerDigits)
      throw this.fail(`integer longer than ${this.maxIntegerDigits} digits`);
    const big = BigInt(literal);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(big)
      : big;
  }

  private fail(what: string): PayloadValidationError {
    return new PayloadValidationError(`malformed JSON at offset ${this.i}: ${what}`);
  }
}

function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (Object.hasOwn(object, key)) throw new AmbiguousJsonError('duplicate_key');
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
