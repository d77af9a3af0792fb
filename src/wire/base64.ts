/**
 * Strict base64 decoding. `Buffer.from(s, 'base64')` silently skips invalid characters and accepts
 * both alphabets; a verifier must not. Only the canonical encoding of the decoded bytes is accepted:
 * the right alphabet, the right padding, and zero bits where the last character has bits to spare.
 *
 * Short texts (signatures: 86–88 characters) are decoded here in JavaScript. Node's native decoder
 * is SIMD code, and on AVX-512 machines calling it between two Ed25519 operations costs 2–6 µs of
 * vector-unit warm-up per call (measured with `npm run bench`-style interleaving) — more than all the
 * rest of a packet verification. Long texts, where that is noise, take the native decoder and prove
 * canonical form by re-encoding.
 */

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NATIVE_FROM_LENGTH = 4096;

/** Sextet of each ASCII code unit in `alphabet`, -1 for every other one. */
function sextets(alphabet: string): Int8Array {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 64; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}

const STANDARD_SEXTETS = sextets(STANDARD);
const URL_SAFE_SEXTETS = sextets(URL_SAFE);
const URL_SAFE_UNPADDED = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding; undefined when `text` is not exactly that. */
export function decodeBase64(text: string, maxLength: number = 1 << 20): Buffer | undefined {
  if (typeof text !== 'string' || text.length > maxLength || text.length % 4 !== 0) return undefined;
  if (text.length >= NATIVE_FROM_LENGTH) {
    // Node's decoder skips characters outside the alphabet and accepts the url-safe one too, but the
    // round trip refuses all of that: only the canonical encoding re-encodes to the same text.
    const bytes = Buffer.from(text, 'base64');
    return bytes.toString('base64') === text ? bytes : undefined;
  }
  const n = text.length;
  const padding = n === 0 || text.charCodeAt(n - 1) !== 0x3d ? 0 : text.charCodeAt(n - 2) === 0x3d ? 2 : 1;
  return decodeSextets(text, n - padding, STANDARD_SEXTETS);
}

/** base64url without padding; undefined when `text` is not exactly that. */
export function decodeBase64Url(text: string, maxLength: number = 1 << 20): Buffer | undefined {
  if (typeof text !== 'string' || text.length > maxLength || text.length % 4 === 1) return undefined;
  if (text.length >= NATIVE_FROM_LENGTH) {
    if (!URL_SAFE_UNPADDED.test(text)) return undefined;
    const bytes = Buffer.from(text, 'base64url');
    return bytes.toString('base64url') === text ? bytes : undefined;
  }
  return decodeSextets(text, text.length, URL_SAFE_SEXTETS);
}

/**
 * Decode `text[0, length)` (padding already cut off) with `table`. Undefined for any character outside
 * the alphabet (padding included: `=` is only accepted where the caller cut it off), a dangling single
 * character, or non-zero spare bits in the last character.
 */
function decodeSextets(text: string, length: number, table: Int8Array): Buffer | undefined {
  const tail = length % 4;
  if (tail === 1) return undefined;
  const out = Buffer.allocUnsafe(((length - tail) / 4) * 3 + (tail === 0 ? 0 : tail - 1));
  let o = 0;
  let i = 0;
  for (const whole = length - tail; i < whole; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return undefined;
    const s0 = table[c0]!;
    const s1 = table[c1]!;
    const s2 = table[c2]!;
    const s3 = table[c3]!;
    if ((s0 | s1 | s2 | s3) < 0) return undefined;
    const v = (s0 << 18) | (s1 << 12) | (s2 << 6) | s3;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (tail === 0) return out;
  const c0 = text.charCodeAt(i);
  const c1 = text.charCodeAt(i + 1);
  const c2 = tail === 3 ? text.charCodeAt(i + 2) : 0x41; // 'A': a zero sextet
  if ((c0 | c1 | c2) > 0x7f) return undefined;
  const s0 = table[c0]!;
  const s1 = table[c1]!;
  const s2 = table[c2]!;
  if ((s0 | s1 | s2) < 0) return undefined;
  const v = (s0 << 18) | (s1 << 12) | (s2 << 6);
  // Canonical form: the bits below the last whole byte are zero.
  if ((tail === 2 ? v & 0xffff : v & 0xff) !== 0) return undefined;
  out[o++] = v >>> 16;
  if (tail === 3) out[o] = (v >>> 8) & 0xff;
  return out;
}

// Signatures arrive as Buffers from node:crypto: encoded directly, without a second view on their bytes.
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.isBuffer(bytes)
    ? bytes.toString('base64')
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.isBuffer(bytes)
    ? bytes.toString('base64url')
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}
