/**
 * Outcome hashes (SPEC §2.4, §6): the result and the optional reason of an attestation are hashed over
 * their canonical JSON, after the protocol checks the reference makes before attesting.
 */
import * as nodeCrypto from 'node:crypto';
import { AttestationError } from '../errors.js';
import { canonicalOutcomeJson, type OutcomeEncoding } from '../wire/canonical.js';
import { isPlainObject } from '../wire/json-value.js';
import { MAX_OUTCOME_BYTES, RESERVED_OUTCOME_KEYS } from './types.js';

/**
 * The canonical JSON of a result or reason, after checking it is an object without reserved top-level
 * keys and at most 256 KiB of UTF-8. Throws {@link AttestationError} for those, and
 * {@link CanonicalizationError} for values without a canonical form (a decimal under the reference
 * encoding, depth > 100, …), whose `path` names the value (`$.celsius`).
 */
export function outcomeCanonicalJson(
  value: unknown,
  what = 'result',
  encoding: OutcomeEncoding = 'reference',
): string {
  if (!isPlainObject(value)) throw new AttestationError(`${what} must be a plain object`);
  for (const key of RESERVED_OUTCOME_KEYS) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      throw new AttestationError(`${what} may not use the reserved key ${key}`);
    }
  }
  const text = canonicalOutcomeJson(value, encoding);
  // A UTF-16 string never has more UTF-8 bytes than 3 per code unit: skip the count for small ones.
  if (text.length * 3 > MAX_OUTCOME_BYTES && Buffer.byteLength(text, 'utf8') > MAX_OUTCOME_BYTES) {
    throw new AttestationError(`${what} is larger than ${MAX_OUTCOME_BYTES} bytes of canonical JSON`);
  }
  return text;
}

/** {@link outcomeCanonicalJson} as UTF-8 bytes: what `outcome_hash` / `reason_hash` is the SHA-256 of. */
export function outcomeBytes(
  value: unknown,
  what = 'result',
  encoding: OutcomeEncoding = 'reference',
): Buffer {
  return Buffer.from(outcomeCanonicalJson(value, what, encoding), 'utf8');
}

/** Lowercase hex SHA-256 of {@link outcomeBytes}: an attestation's `outcome_hash` / `reason_hash`. */
export function outcomeHash(
  value: unknown,
  what = 'result',
  encoding: OutcomeEncoding = 'reference',
): string {
  return sha256Hex(outcomeCanonicalJson(value, what, encoding));
}

// One-shot hashing (Node ≥ 20.12) creates no Hash object per call, which keeps the garbage collector
// out of the per-attestation cost; older Node 20 releases fall back to createHash.
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string })
  .hash;

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', text, 'hex')
    : nodeCrypto.createHash('sha256').update(text, 'utf8').digest('hex');
}
