/**
 * SPEC §2.3 capability tokens: base64url (no padding) of the capability's JSON with sorted keys, compact
 * separators, ASCII escapes and §2.1 datetimes, signature included. Decoding is strict (canonical
 * base64url only), bounded and lossless.
 */
import { PayloadValidationError } from '../errors.js';
import { decodeBase64Url, encodeBase64Url } from '../wire/base64.js';
import { encodeJson } from '../wire/canonical.js';
import { parseJson } from '../wire/parse-json.js';
import { capabilityFromObject, capabilityToObject } from './fields.js';
import type { DelegationCapability } from './types.js';

/** Longest token accepted by default (characters); a typical token is about 900. */
export const DEFAULT_MAX_TOKEN_LENGTH = 16_384;

export interface ParseCapabilityTokenOptions {
  /** Longest token accepted, in characters (default {@link DEFAULT_MAX_TOKEN_LENGTH}). */
  readonly maxTokenLength?: number;
}

/** The token of a signed capability, byte-identical to the reference's `encode_capability_token`. */
export function serializeCapabilityToken(capability: DelegationCapability): string {
  return encodeBase64Url(Buffer.from(encodeJson(capabilityToObject(capability)), 'utf8'));
}

/**
 * Decode a token into a capability. Anything that is not a canonical base64url string of a JSON
 * capability is a PayloadValidationError; the signature is not checked here.
 */
export function parseCapabilityToken(
  token: string,
  options: ParseCapabilityTokenOptions = {},
): DelegationCapability {
  const maxLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (typeof token !== 'string') throw new PayloadValidationError('capability token must be a string');
  if (token.length > maxLength) throw new PayloadValidationError(`capability token longer than ${maxLength}`);
  const bytes = decodeBase64Url(token, maxLength);
  if (bytes === undefined)
    throw new PayloadValidationError('capability token is not base64url without padding');
  // A capability nests three levels deep; anything deeper is not one.
  return capabilityFromObject(parseJson(bytes, { maxBytes: maxLength, maxDepth: 8, maxIntegerDigits: 32 }));
}
