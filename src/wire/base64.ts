/**
 * Strict base64 decoding. `Buffer.from(s, 'base64')` silently skips invalid characters and accepts
 * both alphabets; a verifier must not. Only the canonical encoding of the decoded bytes is accepted.
 */
const URL_SAFE_UNPADDED = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding; undefined when `text` is not exactly that. */
export function decodeBase64(text: string, maxLength: number = 1 << 20): Buffer | undefined {
  if (typeof text !== 'string' || text.length > maxLength || text.length % 4 !== 0) return undefined;
  // Node's decoder skips characters outside the alphabet and accepts the url-safe one too, but the
  // round trip refuses all of that: only the canonical encoding re-encodes to the same text.
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** base64url without padding; undefined when `text` is not exactly that. */
export function decodeBase64Url(text: string, maxLength: number = 1 << 20): Buffer | undefined {
  if (
    typeof text !== 'string' ||
    text.length > maxLength ||
    text.length % 4 === 1 ||
    !URL_SAFE_UNPADDED.test(text)
  ) {
    return undefined;
  }
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
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
