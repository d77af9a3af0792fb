import { PayloadValidationError } from '../errors.js';
import { parseJson, type JsonLimits } from '../wire/parse-json.js';

/** Key documents (JWK, JWKS, agent key files) are small; these bound what reading one may cost. */
export const KEY_DOCUMENT_LIMITS: JsonLimits = Object.freeze({
  maxBytes: 1_048_576,
  maxDepth: 8,
  maxIntegerDigits: 32,
});

/**
 * Untrusted JSON text, or an object the caller built, as plain data read exactly once: an object is
 * copied through its JSON form, so getters run once and nothing the caller changes later is seen.
 */
export function readJsonInput(input: unknown, what: string): unknown {
  if (typeof input === 'string' || input instanceof Uint8Array) return parseJson(input, KEY_DOCUMENT_LIMITS);
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch {
    throw new PayloadValidationError(`${what} is not JSON data`);
  }
  if (text === undefined) throw new PayloadValidationError(`${what} is not JSON data`);
  return parseJson(text, KEY_DOCUMENT_LIMITS);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Longest agent id a key document may bind. */
export const MAX_AGENT_ID_LENGTH = 256;

/** An agent id from a key document: a non-empty, well-formed string of at most 256 characters. */
export function isAgentIdText(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_AGENT_ID_LENGTH &&
    !LONE_SURROGATE.test(value)
  );
}
