/**
 * Outcome hashes (SPEC §2.4, §6): the result and the optional reason of an attestation are hashed over
 * their canonical JSON, after the protocol checks the reference makes before attesting.
 */
import { createHash } from 'node:crypto';
import { AttestationError } from '../errors.js';
import { canonicalOutcomeJson } from '../wire/canonical.js';
import { isPlainObject } from '../wire/json-value.js';
import { MAX_OUTCOME_BYTES, RESERVED_OUTCOME_KEYS } from './types.js';

/**
 * The canonical UTF-8 bytes of a result or reason, after checking it is an object without reserved
 * top-level keys and at most 256 KiB. Throws {@link AttestationError} for those, and
 * {@link CanonicalizationError} for values without a canonical form (floats, depth > 100, …).
 */
export function outcomeBytes(value: unknown, what = 'result'): Buffer {
  if (!isPlainObject(value)) throw new AttestationError(`${what} must be a plain object`);
  for (const key of RESERVED_OUTCOME_KEYS) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      throw new AttestationError(`${what} may not use the reserved key ${key}`);
    }
  }
  const text = canonicalOutcomeJson(value);
  // A UTF-16 string never has more UTF-8 bytes than 3 per code unit: skip the count for small ones.
  if (text.length * 3 > MAX_OUTCOME_BYTES && Buffer.byteLength(text, 'utf8') > MAX_OUTCOME_BYTES) {
    throw new AttestationError(`${what} is larger than ${MAX_OUTCOME_BYTES} bytes of canonical JSON`);
  }
  return Buffer.from(text, 'utf8');
}

/** Lowercase hex SHA-256 of {@link outcomeBytes}: an attestation's `outcome_hash` / `reason_hash`. */
export function outcomeHash(value: unknown, what = 'result'): string {
  return createHash('sha256').update(outcomeBytes(value, what)).digest('hex');
}
