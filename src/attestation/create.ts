/**
 * Create a signed ExecutionAttestation (SPEC §6): what an executing agent returned for a packet.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AttestationError } from '../errors.js';
import { encodeBase64Url } from '../wire/base64.js';
import { outcomeBytes } from './outcome.js';
import { attestationSigningPayload } from './payload.js';
import { attestationFromJson } from './wire.js';
import type { AttestationSigner, AttestationStatus, ExecutionAttestation } from './types.js';

export interface CreateAttestationOptions {
  /** The packet this is the result of. */
  readonly packetId: string;
  /** What the agent returned: a plain object with string keys, integers only, ≤ 256 KiB canonical. */
  readonly result: object;
  /** Who signs (an {@link AgentIdentity}, or any signer with an agent id, a fingerprint and Ed25519). */
  readonly signer: AttestationSigner;
  /** Default `OK`. */
  readonly status?: AttestationStatus;
  /** Why the status is what it is (e.g. `{node_error: true}`); same rules as the result. */
  readonly reason?: object | null;
  /** Default: 128 random bits. Set it only to reproduce a known attestation. */
  readonly nonce?: bigint;
  /** Default: `Date.now()`. Must be at least 2020-01-01. */
  readonly timestampMs?: number;
}

/**
 * Validate, hash and sign. Throws {@link AttestationError} for a result or reason that is not an object,
 * uses a reserved key or is too large, {@link CanonicalizationError} for one with a float (or any value
 * without a canonical form), and {@link PayloadValidationError} for a bad packet id, status, nonce or
 * timestamp.
 */
export function createAttestation(options: CreateAttestationOptions): ExecutionAttestation {
  const { signer } = options;
  const outcome = sha256Hex(outcomeBytes(options.result, 'result'));
  const reason = options.reason ?? null;
  const reasonHash = reason === null ? null : sha256Hex(outcomeBytes(reason, 'reason'));
  const fields = {
    packet_id: options.packetId,
    status: options.status ?? 'OK',
    outcome_hash: outcome,
    nonce: options.nonce ?? randomNonce(),
    timestamp_ms: options.timestampMs ?? Date.now(),
    agent_pubkey_fingerprint: signer.fingerprint,
    reason_hash: reasonHash,
  } as const;
  // One validator for what we create and what we receive: a created attestation always parses.
  const unsigned = attestationFromJson({
    ...fields,
    signed_by: signer.agentId,
    signature: PLACEHOLDER_SIGNATURE,
  });
  const signature = signer.sign(attestationSigningPayload(unsigned));
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new AttestationError('signer did not return a 64-byte Ed25519 signature');
  }
  return Object.freeze({ ...unsigned, signature: encodeBase64Url(signature) });
}

// Satisfies the signature syntax check while the real signature does not exist yet; never leaves this module.
const PLACEHOLDER_SIGNATURE = 'A'.repeat(86);

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function randomNonce(): bigint {
  return BigInt(`0x${randomBytes(16).toString('hex')}`);
}
