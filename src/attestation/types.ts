/**
 * The ExecutionAttestation of SPEC §3 / §6: a signed statement by an executing agent of what it returned
 * for a packet. Wire field names are the reference's (they are signed data).
 */

/** Every status an attestation can carry. */
export const ATTESTATION_STATUSES: readonly ['OK', 'ERROR', 'PARTIAL', 'REJECTED', 'TIMEOUT'] = Object.freeze(
  ['OK', 'ERROR', 'PARTIAL', 'REJECTED', 'TIMEOUT'] as const,
);

export type AttestationStatus = (typeof ATTESTATION_STATUSES)[number];

/**
 * An execution attestation, immutable. Objects of this type come from {@link createAttestation} or
 * {@link parseAttestation}; both freeze them and allow no extra fields.
 */
export interface ExecutionAttestation {
  readonly packet_id: string;
  readonly status: AttestationStatus;
  /** Lowercase hex SHA-256 of the result's SPEC §2.4 canonical JSON. */
  readonly outcome_hash: string;
  /** Unsigned 128-bit random integer; a bare JSON integer on the wire. */
  readonly nonce: bigint;
  /** Epoch milliseconds, at least {@link MIN_TIMESTAMP_MS}. */
  readonly timestamp_ms: number;
  /** The signer's agent id (SPEC §2.5). Not part of the signed bytes; verifiers bind it to the key. */
  readonly signed_by: string;
  /** Lowercase hex SHA-256 of the signer's raw 32-byte public key. */
  readonly agent_pubkey_fingerprint: string;
  /** Ed25519 signature over the framed payload, base64url without padding. */
  readonly signature: string;
  /** Lowercase hex SHA-256 of the reason's canonical JSON, or null when there is no reason. */
  readonly reason_hash: string | null;
  /**
   * The JSON form (non-enumerable; on every attestation this library creates or parses): the wire
   * fields with the nonce as a decimal string, so `JSON.stringify` works and `JSON.parse` keeps every
   * digit. {@link attestationFromJson} and {@link parseAttestation} accept it back.
   */
  readonly toJSON?: () => ExecutionAttestationJson;
}

/** {@link ExecutionAttestation} as plain JSON: the nonce is a decimal string (a JSON number would lose digits). */
export interface ExecutionAttestationJson {
  readonly packet_id: string;
  readonly status: AttestationStatus;
  readonly outcome_hash: string;
  /** The unsigned 128-bit nonce in decimal, e.g. `"340282366920938463463374607431768211455"`. */
  readonly nonce: string;
  readonly timestamp_ms: number;
  readonly signed_by: string;
  readonly agent_pubkey_fingerprint: string;
  readonly signature: string;
  readonly reason_hash: string | null;
}

export type { OutcomeEncoding } from '../wire/canonical.js';

/** The wire field names, in the order the reference (`model_dump_json`) writes them. */
export const ATTESTATION_FIELDS: readonly string[] = Object.freeze([
  'packet_id',
  'status',
  'outcome_hash',
  'nonce',
  'timestamp_ms',
  'signed_by',
  'agent_pubkey_fingerprint',
  'signature',
  'reason_hash',
]);

/** 2020-01-01T00:00:00Z: the reference refuses earlier timestamps. */
export const MIN_TIMESTAMP_MS = 1_577_836_800_000;
/** How far in the future an attestation's timestamp may be (SPEC §6): 30 s. */
export const ATTESTATION_FUTURE_SKEW_MS = 30_000;
/** Default oldest accepted attestation (SPEC §6 `maxAge`): 300 s. */
export const DEFAULT_ATTESTATION_MAX_AGE_MS = 300_000;
/** Largest canonical result or reason accepted (SPEC §6): 256 KiB. */
export const MAX_OUTCOME_BYTES: number = 256 * 1024;
/** Top-level keys a result or reason may not use (SPEC §6). */
export const RESERVED_OUTCOME_KEYS: readonly string[] = Object.freeze([
  'packet_id',
  'attestation',
  '__control__',
]);
/** Longest packet id accepted in an attestation, in UTF-16 code units (a bound; the reference has none). */
export const MAX_ATTESTATION_PACKET_ID_LENGTH = 4096;

/** Who signs attestations. {@link AgentIdentity} is one; a KMS-backed signer can be another. */
export interface AttestationSigner {
  readonly agentId: string;
  /** Lowercase hex SHA-256 of the raw 32-byte Ed25519 public key. */
  readonly fingerprint: string;
  /** Ed25519 signature (64 bytes). */
  sign(bytes: Uint8Array): Uint8Array;
}

/** Why an attestation (or a node output) was refused. Stable codes: switch on them. */
export type AttestationRejectReason =
  | 'malformed_attestation'
  | 'malformed_output'
  | 'invalid_result'
  | 'invalid_reason'
  | 'packet_id_mismatch'
  | 'status_mismatch'
  | 'outcome_hash_mismatch'
  | 'reason_hash_mismatch'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'fingerprint_mismatch'
  | 'signer_mismatch'
  | 'signer_revoked'
  | 'registry_unavailable'
  | 'invalid_signature'
  | 'attestation_replayed'
  | 'replay_store_unavailable';

export type AttestationVerdict =
  | { readonly valid: true; readonly attestation: ExecutionAttestation }
  | { readonly valid: false; readonly reason: AttestationRejectReason };
