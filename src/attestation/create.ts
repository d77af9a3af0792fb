/**
 * Create a signed ExecutionAttestation (SPEC §6): what an executing agent returned for a packet.
 */
import { randomFillSync } from 'node:crypto';
import { AttestationError } from '../errors.js';
import { encodeBase64Url } from '../wire/base64.js';
import { outcomeCanonicalJson, sha256Hex } from './outcome.js';
import { attestationSigningPayload } from './payload.js';
import { checkAttestationFields } from './wire.js';
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
  const reason = options.reason ?? null;
  const fields = {
    packet_id: options.packetId,
    status: options.status ?? 'OK',
    outcome_hash: sha256Hex(outcomeCanonicalJson(options.result, 'result')),
    nonce: options.nonce ?? randomNonce(),
    timestamp_ms: options.timestampMs ?? Date.now(),
    signed_by: signer.agentId,
    agent_pubkey_fingerprint: signer.fingerprint,
    signature: PLACEHOLDER_SIGNATURE,
    reason_hash: reason === null ? null : sha256Hex(outcomeCanonicalJson(reason, 'reason')),
  };
  // One validator for what we create and what we receive: a created attestation always parses.
  checkAttestationFields(fields);
  const signature = signer.sign(attestationSigningPayload(fields));
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new AttestationError('signer did not return a 64-byte Ed25519 signature');
  }
  fields.signature = encodeBase64Url(signature);
  return Object.freeze(fields);
}

// Satisfies the signature syntax check while the real signature does not exist yet; never leaves this module.
const PLACEHOLDER_SIGNATURE = 'A'.repeat(86);

// Random bytes are drawn 4 KiB at a time (as Node's own randomUUID does): one system call per 256
// nonces instead of one each. The pool holds only unused randomness; each nonce's bytes are consumed once.
const NONCE_POOL = Buffer.alloc(4096);
let noncePoolOffset = NONCE_POOL.length;

function randomNonce(): bigint {
  if (noncePoolOffset === NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolOffset = 0;
  }
  const high = NONCE_POOL.readBigUInt64BE(noncePoolOffset);
  const low = NONCE_POOL.readBigUInt64BE(noncePoolOffset + 8);
  noncePoolOffset += 16;
  return (high << 64n) | low;
}
