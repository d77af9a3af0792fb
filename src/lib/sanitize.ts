/**
 * Private helpers (not exported by the package root): cut untrusted strings and sanitize untrusted
 * `details` before anything keeps them. Shared by the gate's decisions and the event hub.
 */
import { JsonFloat, isPlainObject } from '../wire/json-value.js';
import { Timestamp } from '../wire/timestamp.js';

const MAX_STRING = 256;
const MAX_KEY = 128;
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;
const BYTES_PREVIEW = 16;

/** The marker a cut string ends with. */
export const CUT_MARKER = '…';

/**
 * `text` when it has at most `max` UTF-16 code units; otherwise its first `max - 1` code units
 * (one fewer when that would split a surrogate pair) followed by {@link CUT_MARKER}.
 *
 * The cut string is a fresh copy: V8 represents `slice` results (and concatenations) as views that
 * keep the whole original alive, so a 256-character cut of a 1 MB id would still hold the megabyte.
 */
export function cutString(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  // utf16le round trip: copies code units exactly (lone surrogates included) into a new flat string.
  return Buffer.from(text.slice(0, end) + CUT_MARKER, 'utf16le').toString('utf16le');
}

/**
 * SPEC §3 details sanitizing: strings cut at 256 characters, keys at 128, containers at 20 items,
 * depth 4, bytes as a short hex preview; functions, symbols and class instances become a type tag.
 * The result is frozen, JSON-serializable and safe to log.
 */
export function sanitizeDetails(
  details: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  return sanitizeObject(details, 1);
}

/** One value sanitized like a top-level `details` entry (containers frozen, strings cut at 256). */
export function sanitizeValue(value: unknown): unknown {
  return sanitizeAt(value, 1);
}

function sanitizeObject(
  object: Readonly<Record<string, unknown>>,
  depth: number,
): Readonly<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    if (n++ >= MAX_ITEMS) {
      out['…'] = `${Object.keys(object).length - MAX_ITEMS} more`;
      break;
    }
    const name = cutString(key, MAX_KEY);
    const value = sanitizeAt(object[key], depth);
    // An own `__proto__` key (JSON.parse makes them) must stay data, not set the prototype.
    if (name === '__proto__') defineData(out, name, value);
    else out[name] = value;
  }
  return Object.freeze(out);
}

function sanitizeAt(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      return cutString(value, MAX_STRING);
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return cutString(value.toString(), MAX_STRING);
    case 'undefined':
      return null;
    case 'function':
    case 'symbol':
      return `<${typeof value}>`;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(
      value.buffer,
      value.byteOffset,
      Math.min(value.byteLength, BYTES_PREVIEW),
    ).toString('hex');
    return `<${value.byteLength} bytes ${hex}${value.byteLength > BYTES_PREVIEW ? '…' : ''}>`;
  }
  if (value instanceof JsonFloat) return value.value;
  if (value instanceof Timestamp) return value.toCanonical();
  if (depth >= MAX_DEPTH) return '<nested>';
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (let i = 0; i < value.length && i < MAX_ITEMS; i++) items.push(sanitizeAt(value[i], depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more`);
    return Object.freeze(items);
  }
  if (isPlainObject(value)) return sanitizeObject(value, depth + 1);
  if (value instanceof Error) return `<${cutString(value.name, MAX_KEY)}>`;
  return '<object>';
}

/** Define `key` as an ordinary enumerable data property (safe for `__proto__`). */
export function defineData(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
