/**
 * The one place JSON is encoded (STYLE habit 2). Every signer and verifier calls these functions.
 *
 *  - {@link canonicalPacketJson}: SPEC §2.1, packet signatures — sorted keys, compact, ASCII escapes.
 *  - {@link canonicalCapabilityJson}: SPEC §2.3, capability signatures — sorted keys, `", "`/`": "`.
 *  - {@link canonicalOutcomeJson}: SPEC §2.4, attestation hashes — sorted, compact, raw UTF-8, integers only.
 *  - {@link encodeJson}: any layout, for wire output (the reference's envelope form, compact, …).
 */
import { CanonicalizationError } from '../errors.js';
import { JsonFloat } from './json-value.js';
import { canonicalNumber, pythonFloatRepr } from './python-float.js';
import { Timestamp } from './timestamp.js';

export interface EncodeOptions {
  /** Sort object keys by Unicode code point. */
  readonly sortKeys: boolean;
  /** Item separator, e.g. `","` or `", "`. */
  readonly itemSeparator: string;
  /** Key separator, e.g. `":"` or `": "`. */
  readonly keySeparator: string;
  /** `true`: escape everything outside printable ASCII as `\uXXXX` (Python `ensure_ascii`). */
  readonly asciiOnly: boolean;
  /** `true`: refuse non-integral numbers (SPEC §2.4). */
  readonly integersOnly: boolean;
  /** How a {@link Timestamp} is written; undefined refuses timestamps. */
  readonly timestamp: ((t: Timestamp) => string) | undefined;
  /** Deepest nesting accepted; deeper input (or a cycle) is a CanonicalizationError. */
  readonly maxDepth: number;
}

/** Deepest nesting the encoders accept by default. Deeper values, and cycles, are refused. */
export const DEFAULT_ENCODE_MAX_DEPTH = 512;

/** A style with the strings around an object key worked out once, not per key. */
interface Layout extends EncodeOptions {
  /** Written before a key that needs no escaping, after the first: item separator and opening quote. */
  readonly nextKeyOpen: string;
  /** Written after such a key: closing quote and key separator. */
  readonly keyClose: string;
  /** The same, followed by the opening quote of a string value that needs no escaping. */
  readonly keyCloseQuote: string;
}

function layout(style: EncodeOptions): Layout {
  return Object.freeze({
    ...style,
    nextKeyOpen: `${style.itemSeparator}"`,
    keyClose: `"${style.keySeparator}`,
    keyCloseQuote: `"${style.keySeparator}"`,
  });
}

const PACKET_STYLE = layout({
  sortKeys: true,
  itemSeparator: ',',
  keySeparator: ':',
  asciiOnly: true,
  integersOnly: false,
  timestamp: (t: Timestamp) => t.toCanonical(),
  maxDepth: DEFAULT_ENCODE_MAX_DEPTH,
});

const CAPABILITY_STYLE = layout({
  sortKeys: true,
  itemSeparator: ', ',
  keySeparator: ': ',
  asciiOnly: true,
  integersOnly: false,
  timestamp: (t: Timestamp) => t.toPythonStr(),
  maxDepth: DEFAULT_ENCODE_MAX_DEPTH,
});

/**
 * The deepest value accepted in an outcome hash (SPEC §2.4), counting the result object itself as 1.
 * The reference counts from 0 and refuses depth > 100, so 101 levels here.
 */
export const OUTCOME_MAX_DEPTH = 101;

const OUTCOME_STYLE = layout({
  sortKeys: true,
  itemSeparator: ',',
  keySeparator: ':',
  asciiOnly: false,
  integersOnly: true,
  timestamp: undefined,
  maxDepth: OUTCOME_MAX_DEPTH,
});

/**
 * The decimals extension of SPEC §10.6 (not part of the reference protocol): SPEC §2.4 with one
 * difference — a non-integral number (and an integral float, `1.0`, or a number of 1e21 and beyond) is
 * written as Python's `repr(float)`, exactly as SPEC §2.1 writes numbers. Every value the §2.4
 * encoding accepts is written byte for byte the same; only values §2.4 refuses change.
 */
const OUTCOME_DECIMALS_STYLE = layout({ ...OUTCOME_STYLE, integersOnly: false });

/**
 * SPEC §2.1 canonical JSON of any value (the packet payload without `signature`, in practice).
 * Throws {@link CanonicalizationError} (with the JSONPath of the offending value) for a value without
 * a canonical form, including an object key with a lone surrogate (SPEC §10.3).
 */
export function canonicalPacketJson(value: unknown): string {
  return encodeRoot(value, PACKET_STYLE);
}

/** SPEC §2.3 canonical JSON (the capability without `signature`, in practice). */
export function canonicalCapabilityJson(value: unknown): string {
  return encodeRoot(value, CAPABILITY_STYLE);
}

/**
 * How an attestation result (and reason) is encoded for its hash:
 *  - `'reference'` (default): SPEC §2.4, integers only, as the Python 0.4.0 reference hashes results.
 *  - `'decimals-v1'`: the decimals extension of SPEC §10.6 — non-integral numbers allowed, written as
 *    Python's `repr(float)` (the number rule of SPEC §2.1). Results without decimals hash to exactly
 *    the same bytes either way; results with decimals cannot be checked by the Python 0.4.0 reference
 *    (its `verify_attestation` refuses them). Signer and verifier must both opt in.
 */
export type OutcomeEncoding = 'reference' | 'decimals-v1';

/**
 * SPEC §2.4 canonical JSON of an attestation result or reason. `'decimals-v1'` is the decimals
 * extension (SPEC §10.6): non-integral numbers allowed, written as Python's `repr(float)`; the Python
 * 0.4.0 reference cannot hash such results. Both encodings give the same bytes for every value the
 * reference accepts.
 */
export function canonicalOutcomeJson(value: unknown, encoding: OutcomeEncoding = 'reference'): string {
  return encodeRoot(value, encoding === 'decimals-v1' ? OUTCOME_DECIMALS_STYLE : OUTCOME_STYLE);
}

/** Encode with any layout. Numbers always follow the SPEC §2.1 rule so Python reads them back unchanged. */
export function encodeJson(value: unknown, options: Partial<EncodeOptions> = {}): string {
  return encodeRoot(value, layout({ ...PACKET_STYLE, ...options }));
}

/**
 * Why a value has no encoding, and where: containers add their key or index while the failure passes
 * through them, so the hot path carries no path at all. Never leaves this module.
 */
class EncodeFailure extends Error {
  readonly segments: (string | number)[] = [];
}

function encodeRoot(value: unknown, style: Layout): string {
  try {
    return encodeValue(value, style, 1);
  } catch (error) {
    if (error instanceof EncodeFailure) {
      throw new CanonicalizationError(error.message, { path: formatPath(error.segments) });
    }
    throw error;
  }
}

/** Record that the failure happened inside `segment`; anything else passes through untouched. */
function inside(error: unknown, segment: string | number): unknown {
  if (error instanceof EncodeFailure) error.segments.push(segment);
  return error;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_PATH_SEGMENTS = 32;
const MAX_PATH_LENGTH = 256;

/** JSONPath of the failure: `$.a[0]["odd key"]`. Bounded: keys and paths come from untrusted input. */
function formatPath(innermostFirst: readonly (string | number)[]): string {
  let path = '$';
  const n = innermostFirst.length;
  for (let i = n - 1; i >= 0 && n - 1 - i < MAX_PATH_SEGMENTS; i--) {
    const segment = innermostFirst[i]!;
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (segment.length <= 64 && IDENTIFIER.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment.length > 64 ? `${segment.slice(0, 64)}…` : segment)}]`;
  }
  return n > MAX_PATH_SEGMENTS || path.length > MAX_PATH_LENGTH ? `${path.slice(0, MAX_PATH_LENGTH)}…` : path;
}

function encodeValue(value: unknown, style: Layout, depth: number): string {
  // Checked for every value, not only containers: the reference refuses any value nested deeper than
  // its limit, while an empty container at the limit passes.
  if (depth > style.maxDepth) throw new EncodeFailure(`nesting deeper than ${style.maxDepth}`);
  switch (typeof value) {
    case 'string':
      return style.asciiOnly ? quoteAscii(value) : quoteRaw(value);
    case 'number':
      return encodeNumber(value, style);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      return value === null ? 'null' : encodeContainer(value, style, depth);
    default:
      throw new EncodeFailure(`cannot encode a ${typeof value}`);
  }
}

function encodeContainer(value: object, style: Layout, depth: number): string {
  if (Array.isArray(value)) return encodeArray(value, style, depth);
  // Plain objects first: they are most of what is encoded, and the class checks below walk prototypes.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    return encodeObject(value as Record<string, unknown>, style, depth);
  }
  if (value instanceof JsonFloat) {
    if (style.integersOnly) throw new EncodeFailure('floats are not allowed here');
    if (!Number.isFinite(value.value)) throw new EncodeFailure('NaN and Infinity have no JSON form');
    return pythonFloatRepr(value.value);
  }
  if (value instanceof Timestamp) {
    if (style.timestamp === undefined) throw new EncodeFailure('datetimes are not allowed here');
    return quoteAscii(style.timestamp(value));
  }
  throw new EncodeFailure('only plain objects can be encoded');
}

function encodeArray(value: readonly unknown[], style: Layout, depth: number): string {
  const n = value.length;
  if (n === 0) return '[]';
  let i = 0;
  try {
    let out = '[' + encodeItem(value[0], style, depth);
    for (i = 1; i < n; i++) out += style.itemSeparator + encodeItem(value[i], style, depth);
    return out + ']';
  } catch (error) {
    throw inside(error, i);
  }
}

function encodeItem(item: unknown, style: Layout, depth: number): string {
  if (item === undefined) throw new EncodeFailure('undefined in an array');
  return encodeValue(item, style, depth + 1);
}

function encodeObject(value: Record<string, unknown>, style: Layout, depth: number): string {
  const keys = Object.keys(value);
  const n = keys.length;
  if (style.sortKeys && n > 1) sortByCodePoint(keys);
  let out = '';
  let key = '';
  try {
    for (let i = 0; i < n; i++) {
      key = keys[i]!;
      const item = value[key];
      // Mirrors JSON.stringify: a property holding undefined is absent.
      if (item === undefined) continue;
      if (style.asciiOnly ? isPlainAscii(key) : isPlainRaw(key)) {
        // The quotes join the separators: two pieces fewer per key than quoting the key on its own, and
        // two more for a string value that needs no escaping either.
        const open = out === '' ? '{"' : style.nextKeyOpen;
        if (
          typeof item === 'string' &&
          depth < style.maxDepth &&
          (style.asciiOnly ? isPlainAscii(item) : isPlainRaw(item))
        ) {
          out += open + key + style.keyCloseQuote + item + '"';
        } else {
          out += open + key + style.keyClose + encodeValue(item, style, depth + 1);
        }
      } else {
        // SPEC §10.3: the reference signs such a key as U+FFFD×3 but sends the original; nobody could
        // verify it. (Raw UTF-8 output refuses every lone surrogate in quoteRaw anyway.)
        if (style.asciiOnly && hasLoneSurrogate(key)) {
          throw new EncodeFailure('object key with a lone surrogate has no interoperable form');
        }
        const encoded = encodeValue(item, style, depth + 1);
        out +=
          (out === '' ? '{' : style.itemSeparator) +
          (style.asciiOnly ? quoteAscii(key) : quoteRaw(key)) +
          style.keySeparator +
          encoded;
      }
    }
  } catch (error) {
    throw inside(error, key);
  }
  return out === '' ? '{}' : out + '}';
}

/** Keys are short and surrogate-free in practice: one loop decides whether the regex is needed at all. */
function hasLoneSurrogate(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return LONE_SURROGATE.test(key);
  }
  return false;
}

function encodeNumber(value: number, style: Layout): string {
  if (style.integersOnly) {
    if (!Number.isInteger(value) || value >= 1e21 || value <= -1e21) {
      throw new EncodeFailure(
        'only integers are allowed here (decimals need the decimals-v1 outcome encoding)',
      );
    }
    return value === 0 ? '0' : String(value);
  }
  const literal = canonicalNumber(value);
  if (literal === undefined) throw new EncodeFailure('NaN and Infinity have no JSON form');
  return literal;
}

// Printable ASCII except `"` and `\` pass through unescaped.
const NEEDS_ASCII_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Raw UTF-8 output only escapes `"`, `\` and C0 controls (Python ensure_ascii=False).
const NEEDS_RAW_ESCAPE = /[\x00-\x1f"\\]/;
const NOT_PLAIN_RAW = /[\x00-\x1f"\\\ud800-\udfff]/;

/** Python `json.dumps(s)` with `ensure_ascii=True`. */
export function quoteAscii(s: string): string {
  return isPlainAscii(s) ? `"${s}"` : escapeAscii(s);
}

/** True when `s` is its own SPEC §2.1 encoding between quotes: printable ASCII without `"` or `\`. */
export function isPlainAscii(s: string): boolean {
  const n = s.length;
  // Very short strings (keys, actions) take a plain loop; longer ones the compiled regex, which next
  // to an Ed25519 operation scans 25 characters in ~40 ns where the loop takes ~65 ns.
  if (n > 16) return !NEEDS_ASCII_ESCAPE.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function escapeAscii(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i) + escapeCodeUnit(c);
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/**
 * True when `s` is its own SPEC §2.4 encoding between quotes: no control character, `"`, `\` or
 * surrogate. A string with a surrogate may still be plain (a valid pair) but takes the general path
 * of {@link quoteRaw}, which refuses lone ones.
 */
function isPlainRaw(s: string): boolean {
  const n = s.length;
  if (n > 16) return !NOT_PLAIN_RAW.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** Python `json.dumps(s)` with `ensure_ascii=False`; lone surrogates cannot become UTF-8 and are refused. */
function quoteRaw(s: string): string {
  if (isPlainRaw(s)) return `"${s}"`;
  if (LONE_SURROGATE.test(s)) throw new EncodeFailure('string with a lone surrogate has no UTF-8 form');
  if (!NEEDS_RAW_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i) + escapeCodeUnit(c);
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

function escapeCodeUnit(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    default:
      return `\\u${c.toString(16).padStart(4, '0')}`;
  }
}

/**
 * Sort strings by Unicode code point (Python's order), not by UTF-16 code unit (JS's default; the two
 * differ when surrogates meet U+E000..U+FFFF). Already-sorted input (the common case) costs one pass.
 */
export function sortByCodePoint(keys: string[]): string[] {
  const n = keys.length;
  for (let i = 1; i < n; i++) {
    if (compareCodePoints(keys[i - 1]!, keys[i]!) > 0) {
      // A few keys (the usual object) sort faster in place here than through Array#sort and a callback;
      // keys are distinct, so both give the same order.
      return n <= 16 ? insertionSort(keys, i) : keys.sort(compareCodePoints);
    }
  }
  return keys;
}

/** Sort `keys` in place, knowing `keys[0..sortedUpTo)` is already in order. */
function insertionSort(keys: string[], sortedUpTo: number): string[] {
  for (let i = sortedUpTo; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && compareCodePoints(keys[j]!, key) > 0) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca < 0xd800 || cb < 0xd800) return ca - cb;
    // When either side continues a surrogate pair here, the code point starts one unit earlier (that
    // unit is equal in both strings). Otherwise the code points start at i.
    const at =
      i > 0 && (isLowSurrogate(ca) || isLowSurrogate(cb)) && isHighSurrogate(a.charCodeAt(i - 1)) ? i - 1 : i;
    return a.codePointAt(at)! - b.codePointAt(at)!;
  }
  return a.length - b.length;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
