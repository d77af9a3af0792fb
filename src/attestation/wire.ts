/**
 * Attestations on the wire: lossless JSON in and out. The nonce is a 128-bit integer, written as a bare
 * JSON integer (as the reference's `model_dump_json` does) and read back as a bigint. Parsing is strict:
 * every field present with its exact type and range, no unknown fields (they would be unsigned).
 */
import { PayloadValidationError } from '../errors.js';
import { encodeJson } from '../wire/canonical.js';
import { isPlainObject } from '../wire/json-value.js';
import { parseJson } from '../wire/parse-json.js';
import {
  ATTESTATION_FIELDS,
  ATTESTATION_STATUSES,
  MAX_ATTESTATION_PACKET_ID_LENGTH,
  MIN_TIMESTAMP_MS,
  type ExecutionAttestation,
  type ExecutionAttestationJson,
} from './types.js';

const FIELD_SET: ReadonlySet<string> = new Set(ATTESTATION_FIELDS);
const STATUS_SET: ReadonlySet<string> = new Set(ATTESTATION_STATUSES);
const HEX_64 = /^[0-9a-f]{64}$/;
// An Ed25519 signature (64 bytes) is 86 base64url characters without padding.
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NONCE_LIMIT = 1n << 128n;
const MAX_SIGNED_BY_LENGTH = 256;
/** An attestation document is small; anything larger is refused before it is parsed. */
const MAX_ATTESTATION_JSON_BYTES = 64 * 1024;

/** The attestation as the reference's `model_dump_json` writes it: compact, raw UTF-8, its field order. */
export function serializeAttestation(attestation: ExecutionAttestation): string {
  return encodeJson(attestationJsonObject(attestation), WIRE_LAYOUT);
}

/** The layout of the reference's `model_dump_json`: compact, raw UTF-8, fields in declaration order. */
export const WIRE_LAYOUT: { sortKeys: false; asciiOnly: false; itemSeparator: ','; keySeparator: ':' } =
  Object.freeze({
    sortKeys: false,
    asciiOnly: false,
    itemSeparator: ',',
    keySeparator: ':',
  });

/** A checked copy of the attestation with its fields in wire order, ready for {@link encodeJson}. */
export function attestationJsonObject(attestation: ExecutionAttestation): Record<string, unknown> {
  const checked = attestationFromJson(attestation);
  const ordered: Record<string, unknown> = {};
  for (const field of ATTESTATION_FIELDS) ordered[field] = checked[field as keyof ExecutionAttestation];
  return ordered;
}

/** Parse an attestation from wire JSON, losslessly. Throws {@link PayloadValidationError}. */
export function parseAttestation(input: string | Uint8Array): ExecutionAttestation {
  return attestationFromJson(parseJson(input, { maxBytes: MAX_ATTESTATION_JSON_BYTES, maxDepth: 1 }));
}

/**
 * Check an already-parsed value (from {@link parseJson}, from `JSON.parse` of an attestation's JSON
 * form, a structured clone, or an object built in TypeScript) and return it as a frozen attestation.
 * The nonce may be a bigint, a decimal string (the JSON form), or a safe non-negative integer `number`;
 * a nonce that went through `JSON.parse` as a number has usually lost digits and will not verify.
 * Throws {@link PayloadValidationError}.
 */
export function attestationFromJson(value: unknown): ExecutionAttestation {
  checkAttestationFields(value);
  const nonce = value.nonce;
  return freezeAttestation({
    packet_id: value.packet_id,
    status: value.status,
    outcome_hash: value.outcome_hash,
    nonce: typeof nonce === 'bigint' ? nonce : BigInt(nonce),
    timestamp_ms: value.timestamp_ms,
    signed_by: value.signed_by,
    agent_pubkey_fingerprint: value.agent_pubkey_fingerprint,
    signature: value.signature,
    reason_hash: value.reason_hash ?? null,
  });
}

/**
 * The JSON form of an attestation: its wire fields with the nonce as a decimal string. What
 * `JSON.stringify` writes for every attestation this library makes (through its `toJSON`), so JSON-based
 * checkpointers (LangGraph's, Redis JSON, a database column) can hold it; {@link attestationFromJson}
 * and {@link parseAttestation} read it back exactly. For the reference's wire form (a bare JSON
 * integer nonce) use {@link serializeAttestation}.
 */
export function attestationToJson(attestation: ExecutionAttestation): ExecutionAttestationJson {
  return {
    packet_id: attestation.packet_id,
    status: attestation.status,
    outcome_hash: attestation.outcome_hash,
    nonce: attestation.nonce.toString(),
    timestamp_ms: attestation.timestamp_ms,
    signed_by: attestation.signed_by,
    agent_pubkey_fingerprint: attestation.agent_pubkey_fingerprint,
    signature: attestation.signature,
    reason_hash: attestation.reason_hash,
  };
}

function attestationToJsonMethod(this: ExecutionAttestation): ExecutionAttestationJson {
  return attestationToJson(this);
}

// Non-enumerable: invisible to spreading, `Object.keys`, field checks and structured cloning (which
// would refuse a function), seen only by JSON.stringify.
const TO_JSON: PropertyDescriptor = Object.freeze({
  value: attestationToJsonMethod,
  enumerable: false,
  writable: false,
  configurable: false,
});

/** Freeze an attestation's fields, with its {@link attestationToJson} form as `toJSON`. */
export function freezeAttestation(fields: ExecutionAttestation): ExecutionAttestation {
  Object.defineProperty(fields, 'toJSON', TO_JSON);
  return Object.freeze(fields);
}

/** What {@link checkAttestationFields} proves about a value: the wire fields, the nonce maybe a number or string. */
type CheckedAttestationFields = Omit<ExecutionAttestation, 'nonce' | 'reason_hash'> & {
  readonly nonce: bigint | number | string;
  readonly reason_hash?: string | null;
};

/** Throws {@link PayloadValidationError} unless `value` has exactly the attestation fields, each valid. */
export function checkAttestationFields(value: unknown): asserts value is CheckedAttestationFields {
  if (!isPlainObject(value)) throw fail('attestation', 'must be an object');
  for (const key in value) {
    if (!FIELD_SET.has(key)) throw fail('attestation', `unknown field ${JSON.stringify(key.slice(0, 64))}`);
  }
  checkPacketId(value['packet_id']);
  checkStatus(value['status']);
  checkSignedBy(value['signed_by']);
  const signature = value['signature'];
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
    throw fail('signature', 'must be a 64-byte signature in base64url without padding');
  }
  const reasonHash = value['reason_hash'];
  if (reasonHash !== undefined && reasonHash !== null && !isHex64(reasonHash)) {
    throw fail('reason_hash', 'must be null or 64 lowercase hex digits');
  }
  requireHex64(value['outcome_hash'], 'outcome_hash');
  requireHex64(value['agent_pubkey_fingerprint'], 'agent_pubkey_fingerprint');
  checkNonce(value['nonce']);
  checkTimestamp(value['timestamp_ms']);
}

/** `packet_id`: a non-empty string of at most 4096 code units, valid Unicode. */
export function checkPacketId(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ATTESTATION_PACKET_ID_LENGTH) {
    throw fail(
      'packet_id',
      `must be a non-empty string of at most ${MAX_ATTESTATION_PACKET_ID_LENGTH} characters`,
    );
  }
  if (hasLoneSurrogate(value)) throw fail('packet_id', 'must be valid Unicode');
}

/** `status`: one of {@link ATTESTATION_STATUSES}. */
export function checkStatus(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !STATUS_SET.has(value)) {
    throw fail('status', `must be one of ${ATTESTATION_STATUSES.join(', ')}`);
  }
}

/** `signed_by`: a string of at most 256 code units. */
export function checkSignedBy(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > MAX_SIGNED_BY_LENGTH) {
    throw fail('signed_by', `must be a string of at most ${MAX_SIGNED_BY_LENGTH} characters`);
  }
}

// Ids are short and surrogate-free in practice: one loop decides whether the regex is needed at all.
function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return LONE_SURROGATE.test(text);
  }
  return false;
}

// The JSON form's nonce: canonical decimal digits (no sign, no leading zero), at most 39 of them.
const DECIMAL_NONCE = /^(?:0|[1-9][0-9]{0,38})$/;

/** `nonce`: an unsigned 128-bit bigint or canonical decimal string, or a safe non-negative integer number. */
export function checkNonce(value: unknown): void {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= NONCE_LIMIT) throw fail('nonce', 'must be an unsigned 128-bit integer');
  } else if (typeof value === 'string') {
    if (!DECIMAL_NONCE.test(value) || BigInt(value) >= NONCE_LIMIT) {
      throw fail('nonce', 'must be an unsigned 128-bit integer in decimal');
    }
  } else if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw fail('nonce', 'must be an integer');
  } else if (value < 0) {
    throw fail('nonce', 'must be an unsigned 128-bit integer');
  }
}

/** `timestamp_ms`: a safe integer, not before 2020-01-01. */
export function checkTimestamp(value: unknown): void {
  // Timestamps beyond 2^53 ms (year 287,396) are valid 64-bit values but can never be fresh; refusing
  // them here keeps `timestamp_ms` a plain number.
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw fail('timestamp_ms', 'must be an integer of at most 2^53 - 1');
  }
  if (value < MIN_TIMESTAMP_MS) throw fail('timestamp_ms', 'must not be before 2020-01-01');
}

function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX_64.test(value);
}

/** Throws {@link PayloadValidationError} unless `value` is 64 lowercase hex digits. */
export function requireHex64(value: unknown, field: string): void {
  if (!isHex64(value)) throw fail(field, 'must be 64 lowercase hex digits');
}

function fail(field: string, what: string): PayloadValidationError {
  return new PayloadValidationError(`${field}: ${what}`);
}
