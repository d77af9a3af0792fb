/**
 * Create a signed ExecutionAttestation (SPEC §6): what an executing agent returned for a packet.
 */
import { randomFillSync } from 'node:crypto';
import { AttestationError, ConfigurationError } from '../errors.js';
import { encodeBase64Url } from '../wire/base64.js';
import type { OutcomeEncoding } from '../wire/canonical.js';
import { outcomeCanonicalJson, sha256Hex } from './outcome.js';
import { frameAttestation, framedFingerprint } from './payload.js';
import {
  checkNonce,
  checkPacketId,
  checkSignedBy,
  checkStatus,
  checkTimestamp,
  freezeAttestation,
  requireHex64,
} from './wire.js';
import type { AttestationSigner, AttestationStatus, ExecutionAttestation } from './types.js';

export interface CreateAttestationOptions {
  /** The packet this is the result of. */
  readonly packetId: string;
  /**
   * What the agent returned: a plain object with string keys, ≤ 256 KiB canonical, integers only
   * unless `outcomeEncoding` is `'decimals-v1'`.
   */
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
  /**
   * `'decimals-v1'` to attest results with decimals (SPEC §10.6; see {@link OutcomeEncoding}). The
   * Python 0.4.0 reference cannot verify such attestations; verifiers must opt in too. Default
   * `'reference'`.
   */
  readonly outcomeEncoding?: OutcomeEncoding;
}

/**
 * Validate, hash and sign. Throws {@link AttestationError} for a result or reason that is not an object,
 * uses a reserved key or is too large, {@link CanonicalizationError} for one with a decimal (under the
 * reference encoding) or any other value without a canonical form — its `path` names the value, e.g.
 * `$.celsius` — and {@link PayloadValidationError} for a bad packet id, status, nonce or timestamp.
 */
export function createAttestation(options: CreateAttestationOptions): ExecutionAttestation {
  const { signer } = options;
  const packetId = options.packetId;
  const status = options.status ?? 'OK';
  const encoding = options.outcomeEncoding ?? 'reference';
  if (encoding !== 'reference' && encoding !== 'decimals-v1') {
    throw new ConfigurationError("outcomeEncoding must be 'reference' or 'decimals-v1'");
  }
  const outcomeHash = sha256Hex(outcomeCanonicalJson(options.result, 'result', encoding));
  const reason = options.reason ?? null;
  const reasonHash = reason === null ? null : sha256Hex(outcomeCanonicalJson(reason, 'reason', encoding));
  // The same field checks as on receipt (so a created attestation always parses), minus those its
  // construction already guarantees: the hashes are SHA-256 hex, a drawn nonce is 128 bits, and the
  // signature is checked below; the signer's fields are checked once per signer.
  checkPacketId(packetId);
  checkStatus(status);
  const frame = signerFrame(signer);
  let nonce: bigint;
  let nonceField: bigint | Uint8Array;
  if (options.nonce === undefined) {
    nonceField = drawNonceBytes();
    nonce = nonceValue(nonceField);
  } else {
    nonce = options.nonce;
    checkNonce(nonce);
    if (typeof nonce !== 'bigint') throw new AttestationError('nonce must be an unsigned 128-bit integer');
    nonceField = nonce;
  }
  const timestampMs = options.timestampMs ?? Date.now();
  checkTimestamp(timestampMs);
  const signature = signer.sign(
    frameAttestation(
      packetId,
      outcomeHash,
      status,
      nonceField,
      timestampMs,
      frame.fingerprintField,
      reasonHash,
    ),
  );
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw new AttestationError('signer did not return a 64-byte Ed25519 signature');
  }
  return freezeAttestation({
    packet_id: packetId,
    status,
    outcome_hash: outcomeHash,
    nonce,
    timestamp_ms: timestampMs,
    signed_by: frame.agentId,
    agent_pubkey_fingerprint: frame.fingerprint,
    // base64url of 64 bytes is always 86 characters of the URL alphabet: the wire syntax holds.
    signature: encodeBase64Url(signature),
    reason_hash: reasonHash,
  });
}

/** What a signer contributes to every attestation it signs, checked and framed once. */
interface SignerFrame {
  readonly agentId: string;
  readonly fingerprint: string;
  /** The fingerprint as framed: 4-byte length and 32 bytes. */
  readonly fingerprintField: Buffer;
}

// Keyed by the signer object, so entries go with their signers. A signer whose agent id or fingerprint
// changes (a custom signer may be mutable) is checked and framed again.
const signerFrames = new WeakMap<AttestationSigner, SignerFrame>();

function signerFrame(signer: AttestationSigner): SignerFrame {
  const agentId = signer.agentId;
  const fingerprint = signer.fingerprint;
  const cached = signerFrames.get(signer);
  if (cached !== undefined && cached.agentId === agentId && cached.fingerprint === fingerprint) return cached;
  checkSignedBy(agentId);
  requireHex64(fingerprint, 'agent_pubkey_fingerprint');
  const frame: SignerFrame = Object.freeze({
    agentId,
    fingerprint,
    fingerprintField: framedFingerprint(fingerprint),
  });
  signerFrames.set(signer, frame);
  return frame;
}

// Random bytes are drawn 4 KiB at a time (as Node's own randomUUID does): one system call per 256
// nonces instead of one each. The pool holds only unused randomness; each nonce's bytes are consumed once.
const NONCE_POOL = Buffer.alloc(4096);
// Read through a DataView: V8 reads 64-bit integers from it directly, Buffer#readBigUInt64BE assembles
// each from two 32-bit halves with three BigInt operations.
const NONCE_VIEW = new DataView(NONCE_POOL.buffer, NONCE_POOL.byteOffset, NONCE_POOL.length);
let noncePoolOffset = NONCE_POOL.length;

/** 16 fresh random bytes: a view on the pool, framed as they are, never handed out twice. */
function drawNonceBytes(): Uint8Array {
  if (noncePoolOffset === NONCE_POOL.length) {
    randomFillSync(NONCE_POOL);
    noncePoolOffset = 0;
  }
  const at = noncePoolOffset;
  noncePoolOffset += 16;
  return NONCE_POOL.subarray(at, at + 16);
}

/** The unsigned 128-bit integer of 16 big-endian bytes of the pool. */
function nonceValue(bytes: Uint8Array): bigint {
  const at = bytes.byteOffset - NONCE_POOL.byteOffset;
  return (NONCE_VIEW.getBigUint64(at) << 64n) | NONCE_VIEW.getBigUint64(at + 8);
}
