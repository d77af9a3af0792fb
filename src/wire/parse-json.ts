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
 */
import { PayloadValidationError } from '../errors.js';
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

  if (!needsLosslessParse(text, maxDepth)) {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      throw new PayloadValidationError('malformed JSON');
    }
  }
  return new LosslessParser(text, maxDepth, maxIntegerDigits).parse();
}

/**
 * One linear pass: enforces the depth limit and reports whether any number literal is a float or has
 * more than 15 digits. Stops early when it does; the lossless parser re-checks everything itself.
 */
function needsLosslessParse(text: string, maxDepth: number): boolean {
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return true; // unterminated: let the full parser report it
        let b = q - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        if ((q - 1 - b) % 2 === 0) {
          i = q;
          break;
        }
        from = q + 1;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) throw depthError(maxDepth);
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let digits = 0;
      let j = i;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b) return true;
        else if (d !== 0x2d) break;
      }
      if (digits > 15) return true;
      i = j - 1;
    }
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
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
