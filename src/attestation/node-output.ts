/**
 * Node outputs on the wire: `{"result": …, "attestation": {…}, "reason": …}` (reason only when the
 * attestation has one). Lossless both ways: the nonce and big integers in the result stay exact.
 */
import { PayloadValidationError } from '../errors.js';
import { OUTCOME_MAX_DEPTH, encodeJson, type OutcomeEncoding } from '../wire/canonical.js';
import { isPlainObject, type JsonObject, type JsonValue } from '../wire/json-value.js';
import { parseJson } from '../wire/parse-json.js';
import { snapshotJson } from '../wire/snapshot.js';
import { attestationFromObject, attestationJsonObject, isLibraryAttestation, WIRE_LAYOUT } from './wire.js';
import { MAX_OUTCOME_BYTES, type ExecutionAttestation } from './types.js';

/** A node output as received: the result and reason are whatever JSON the sender put there. */
export interface ReceivedNodeOutput {
  readonly result: JsonValue;
  readonly attestation: ExecutionAttestation;
  readonly reason: JsonValue | null;
}

const OUTPUT_FIELDS: ReadonlySet<string> = new Set(['result', 'attestation', 'reason']);

/**
 * Largest node output accepted as text, checked before a byte of it is parsed: a result and a reason of
 * at most {@link MAX_OUTCOME_BYTES} canonical bytes each, written as {@link serializeNodeOutput} and
 * `JSON.stringify` write them (compact, raw UTF-8: the same length as their canonical JSON), plus
 * 32 KiB for the attestation (a 4096-character packet id of escaped characters is 24 KiB) and the
 * framing. Anything larger carries a result or reason that verification refuses anyway, so it is
 * refused unread (issue 9 item 1: a 1 MiB output used to cost 305 ms before its REJECT). Outputs
 * padded with whitespace or `\u` escapes beyond that are refused too: send compact JSON.
 */
export const MAX_NODE_OUTPUT_BYTES: number = 2 * MAX_OUTCOME_BYTES + 32 * 1024;

/**
 * The size budget of an object input, as {@link snapshotJson} counts it (8 per number, the length of
 * each string and key plus its framing): a canonical result or reason made of single-digit numbers in
 * arrays (2 bytes each) counts 9 per element, so a valid output may count up to 4.5 times its
 * canonical size. The budget admits every valid output and still bounds the copy.
 */
const MAX_NODE_OUTPUT_OBJECT_BUDGET = Math.ceil(4.5 * 2 * MAX_OUTCOME_BYTES) + 32 * 1024;

// The result may nest OUTCOME_MAX_DEPTH levels below the output object.
const TEXT_LIMITS = Object.freeze({ maxBytes: MAX_NODE_OUTPUT_BYTES, maxDepth: OUTCOME_MAX_DEPTH + 1 });
const OBJECT_LIMITS = Object.freeze({
  maxBytes: MAX_NODE_OUTPUT_OBJECT_BUDGET,
  maxDepth: OUTCOME_MAX_DEPTH + 1,
});

/**
 * Compact JSON of a node output, raw UTF-8, with the attestation in the reference's field order.
 * Results with decimals need `outcomeEncoding: 'decimals-v1'` (the decimals extension, SPEC §10.6);
 * their numbers are written so the receiver parses back the same values and hashes.
 */
export function serializeNodeOutput(
  output: {
    readonly result: object;
    readonly attestation: ExecutionAttestation;
    readonly reason?: object | null;
  },
  options: { readonly outcomeEncoding?: OutcomeEncoding } = {},
): string {
  const wire: Record<string, unknown> = {
    result: output.result,
    attestation: attestationJsonObject(output.attestation),
  };
  if (output.reason !== undefined && output.reason !== null) wire['reason'] = output.reason;
  return encodeJson(wire, { ...WIRE_LAYOUT, integersOnly: options.outcomeEncoding !== 'decimals-v1' });
}

/**
 * Parse a node output from untrusted input: wire JSON (text or UTF-8 bytes; the size is checked before
 * parsing, see {@link MAX_NODE_OUTPUT_BYTES}), or an object — what {@link wrapNode} returned, `JSON.parse`
 * of its JSON form (the attestation's nonce as a decimal string), a structured clone. An object is read
 * exactly once into the library's own frozen copy, within a size and depth budget. Lossless: the nonce
 * and big integers in the result stay exact. Does not verify. Throws {@link PayloadValidationError}.
 */
export function parseNodeOutput(input: string | Uint8Array | object): ReceivedNodeOutput {
  const value =
    typeof input === 'string' || input instanceof Uint8Array
      ? parseJson(input, TEXT_LIMITS)
      : snapshotJson(input, OBJECT_LIMITS, isLibraryAttestation, 'output');
  if (!isPlainObject(value)) throw new PayloadValidationError('node output must be an object');
  for (const key of Object.keys(value)) {
    if (!OUTPUT_FIELDS.has(key)) throw new PayloadValidationError('node output has an unknown field');
  }
  if (value['result'] === undefined) throw new PayloadValidationError('node output has no result');
  return Object.freeze({
    result: value['result'] as JsonObject,
    attestation: ownedAttestation(value['attestation']),
    reason: value['reason'] ?? null,
  });
}

// The attestation inside an output this module already parsed or copied: kept when the library made
// it, checked otherwise (never re-parsed: a string here is not an attestation).
function ownedAttestation(value: unknown): ExecutionAttestation {
  return typeof value === 'object' && value !== null && isLibraryAttestation(value)
    ? (value as ExecutionAttestation)
    : attestationFromObject(value);
}
