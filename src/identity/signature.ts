import { decodeBase64, decodeBase64Url } from '../wire/base64.js';

/** An Ed25519 signature is 64 bytes: 88 characters of padded base64, 86 of unpadded base64url. */
const SIGNATURE_BYTES = 64;
/** Longer text cannot be a signature; it is refused before any decoding work. */
const MAX_SIGNATURE_TEXT = 128;

/**
 * Private helper: the one signature decoder for packets, capabilities, approvals (base64) and
 * attestations (base64url). Exactly 64 bytes in canonical encoding, or undefined. This is the
 * JavaScript fast path of src/wire/base64.ts (texts this short never reach Node's SIMD decoder,
 * whose warm-up costs more than the rest of a verification), not a slower wrapper around it.
 */
export function decodeSignature(value: unknown, encoding: 'base64' | 'base64url'): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes =
    encoding === 'base64'
      ? decodeBase64(value, MAX_SIGNATURE_TEXT)
      : decodeBase64Url(value, MAX_SIGNATURE_TEXT);
  return bytes !== undefined && bytes.length === SIGNATURE_BYTES ? bytes : undefined;
}
