/**
 * Node outputs on the wire: `{"result": …, "attestation": {…}, "reason": …}` (reason only when the
 * attestation has one). Lossless both ways: the nonce and big integers in the result stay exact.
 */
import { PayloadValidationError } from '../errors.js';
import { OUTCOME_MAX_DEPTH, encodeJson, type OutcomeEncoding } from '../wire/canonical.js';
import { isPlainObject, type JsonObject, type JsonValue } from '../wire/json-value.js';
import { parseJson } from '../wire/parse-json.js';
import { attestationFromJson, attestationJsonObject, WIRE_LAYOUT } from './wire.js';
import { MAX_OUTCOME_BYTES, type ExecutionAttestation } from './types.js';

/** A node output as received: the result and reason are whatever JSON the sender put there. */
export interface ReceivedNodeOutput {
  readonly result: JsonValue;
  readonly attestation: ExecutionAttestation;
  readonly reason: JsonValue | null;
}

const OUTPUT_FIELDS: ReadonlySet<string> = new Set(['result', 'attestation', 'reason']);
// A result may be 256 KiB of canonical UTF-8; escapes and whitespace on the wire can double that.
const MAX_OUTPUT_JSON_BYTES = 4 * MAX_OUTCOME_BYTES;

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

/** Parse a node output from wire JSON, losslessly and bounded. Throws {@link PayloadValidationError}. */
export function parseNodeOutput(input: string | Uint8Array): ReceivedNodeOutput {
  // The result may nest OUTCOME_MAX_DEPTH levels below the output object.
  return nodeOutputFromJson(
    parseJson(input, { maxBytes: MAX_OUTPUT_JSON_BYTES, maxDepth: OUTCOME_MAX_DEPTH + 1 }),
  );
}

/**
 * Check an already-parsed node output: from {@link parseJson}, from `JSON.parse` of its JSON form (what
 * `JSON.stringify` writes for a node output: the attestation's nonce as a decimal string), or a
 * structured clone. Throws {@link PayloadValidationError}.
 */
export function nodeOutputFromJson(value: unknown): ReceivedNodeOutput {
  if (!isPlainObject(value)) throw new PayloadValidationError('node output must be an object');
  for (const key of Object.keys(value)) {
    if (!OUTPUT_FIELDS.has(key)) throw new PayloadValidationError('node output has an unknown field');
  }
  if (value['result'] === undefined) throw new PayloadValidationError('node output has no result');
  return Object.freeze({
    result: value['result'] as JsonObject,
    attestation: attestationFromJson(value['attestation']),
    reason: (value['reason'] ?? null) as JsonValue | null,
  });
}
