/**
 * Verify an ExecutionAttestation (SPEC §6), statelessly. Replay tracking is separate
 * ({@link verifyAttestationOnce}) because it needs a store; this function is the part every verifier
 * shares and the one the conformance vectors exercise.
 */
import { ConfigurationError, TrustHandoffError } from '../errors.js';
import type { EventPort } from '../events/types.js';
import { agentIdFromPublicKeyPem } from '../identity/agent-id.js';
import { parsePublicKeyPem, type PublicKey } from '../identity/keys.js';
import type { AgentRegistry } from '../stores/types.js';
import { decodeSignature } from '../identity/signature.js';
import {
  checkSignatureBackend,
  verifyEd25519,
  type SignatureBackend,
} from '../identity/signature-backend.js';
import type { OutcomeEncoding } from '../wire/canonical.js';
import { outcomeHash } from './outcome.js';
import { attestationSigningPayload } from './payload.js';
import { parseAttestation } from './wire.js';
import {
  ATTESTATION_FUTURE_SKEW_MS,
  DEFAULT_ATTESTATION_MAX_AGE_SECONDS,
  type AttestationRejectReason,
  type AttestationStatus,
  type AttestationVerdict,
  type ExecutionAttestation,
} from './types.js';
import { ageWindow } from '../lib/time-window.js';

export interface VerifyAttestationOptions {
  /** The result the attestation is about; its outcome hash is recomputed. Give this or `expectedOutcomeHash`. */
  readonly result?: unknown;
  /** The outcome hash you expect, when you hold the hash rather than the result. */
  readonly expectedOutcomeHash?: string;
  /** The reason that came with the result, if any. Its hash must equal `reason_hash` (both absent is equal). */
  readonly reason?: unknown;
  /** The reason hash you expect, instead of `reason`. */
  readonly expectedReasonHash?: string | null;
  /** Refuse an attestation for any other packet (`packet_id_mismatch`). */
  readonly expectedPacketId?: string;
  /** Refuse any other status (`status_mismatch`); one status or a list. */
  readonly expectedStatus?: AttestationStatus | readonly AttestationStatus[];
  /** Oldest accepted attestation, in seconds (default 300, SPEC §6 `maxAge`). */
  readonly maxAgeSeconds?: number;
  /** The verifier's clock, epoch ms (default `Date.now`). A fixed time is `now: () => t`. */
  readonly now?: () => number;
  /**
   * How `result` and `reason` are hashed (default `'reference'`). `'decimals-v1'` accepts results with
   * decimals attested under the decimals extension (SPEC §10.6); results without decimals hash the
   * same either way.
   */
  readonly outcomeEncoding?: OutcomeEncoding;
  /**
   * Binds named signers (SPEC §10.5): a `signed_by` that is not the key-derived agent id is accepted
   * when this registry binds it to the attestation's key. The signer must not be revoked here
   * (`signer_revoked`); a registry that fails is `registry_unavailable` (fail closed). With a registry
   * the verdict is a promise.
   */
  readonly registry?: AgentRegistry;
  /** Where `attestation_verified` / `attestation_rejected` go. Without a port nothing is emitted. */
  readonly events?: EventPort;
  /** Where the signature is verified (default node:crypto; same verdict on every backend). */
  readonly signatureBackend?: SignatureBackend;
}

/** An Ed25519 public key as SPKI PEM, or already imported with {@link parsePublicKeyPem}. */
export type AttestationPublicKey = string | PublicKey;

/**
 * Check, in this order: the attestation's shape; expected packet id and status; the outcome hash (from
 * `result` or `expectedOutcomeHash`); the reason hash; the timestamp (at most 30 s in the future, at most
 * `maxAgeSeconds` old); the key fingerprint; that `signed_by` is the agent id of that key — or, with a
 * `registry`, an id it binds to that key (checked after the signature, so forgeries cost no lookup);
 * the signature. Emits `attestation_verified` or `attestation_rejected` to `events`.
 *
 * Never throws for what the sender controls (the attestation, the result, the reason): those end in a
 * verdict with a reason code. Throws {@link ConfigurationError} for the verifier's own mistakes (neither
 * or both of `result` and `expectedOutcomeHash`, a bad `maxAgeSeconds`, `now` or `outcomeEncoding`) and
 * {@link InvalidKeyError} for a public key that is not Ed25519.
 */
export function verifyAttestation(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOptions & { readonly registry: AgentRegistry },
): Promise<AttestationVerdict>;
export function verifyAttestation(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOptions & { readonly registry?: undefined },
): AttestationVerdict;
export function verifyAttestation(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOptions,
): AttestationVerdict | Promise<AttestationVerdict>;
export function verifyAttestation(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOptions,
): AttestationVerdict | Promise<AttestationVerdict> {
  const verdict = checkAttestation(attestation, publicKey, options);
  const events = options.events;
  if (events === undefined) return verdict;
  if (verdict instanceof Promise) {
    return verdict.then((v) => {
      emitAttestationVerdict(events, attestation, v);
      return v;
    });
  }
  emitAttestationVerdict(events, attestation, verdict);
  return verdict;
}

/**
 * {@link verifyAttestation} without events: the part {@link verifyAttestationOnce} and
 * {@link verifyNodeOutput} share, so each decision is emitted once, by the function that made it.
 */
export function checkAttestation(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOptions,
): AttestationVerdict | Promise<AttestationVerdict> {
  const hasResult = options.result !== undefined;
  const hasExpectedHash = options.expectedOutcomeHash !== undefined;
  if (hasResult === hasExpectedHash) {
    throw new ConfigurationError('give exactly one of result and expectedOutcomeHash');
  }
  const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_ATTESTATION_MAX_AGE_SECONDS;
  checkMaxAge(maxAgeSeconds);
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new ConfigurationError('now must be a function returning epoch milliseconds');
  }
  const encoding = options.outcomeEncoding ?? 'reference';
  if (encoding !== 'reference' && encoding !== 'decimals-v1') {
    throw new ConfigurationError("outcomeEncoding must be 'reference' or 'decimals-v1'");
  }
  const registry = options.registry;
  if (registry !== undefined && (typeof registry !== 'object' || typeof registry.resolve !== 'function')) {
    throw new ConfigurationError('registry must be an AgentRegistry');
  }
  const backend = checkSignatureBackend(options.signatureBackend, 'verifyAttestation');
  const key = typeof publicKey === 'string' ? parsePublicKeyPem(publicKey) : publicKey;
  const verdict = checkSync(
    attestation,
    key,
    backend,
    options,
    maxAgeSeconds * 1000,
    encoding,
    registry !== undefined,
  );
  if (registry === undefined) return verdict;
  // With a registry the answer is always a promise, whatever the outcome.
  if (!verdict.ok) return Promise.resolve(verdict);
  return bindSigner(verdict.attestation, key, registry);
}

function checkSync(
  attestation: ExecutionAttestation,
  key: PublicKey,
  backend: SignatureBackend,
  options: VerifyAttestationOptions,
  maxAgeMs: number,
  encoding: OutcomeEncoding,
  hasRegistry: boolean,
): AttestationVerdict {
  let checked: ExecutionAttestation;
  try {
    checked = parseAttestation(attestation);
  } catch {
    return reject('malformed_attestation');
  }
  if (options.expectedPacketId !== undefined && checked.packet_id !== options.expectedPacketId) {
    return reject('packet_id_mismatch');
  }
  if (options.expectedStatus !== undefined && !statusAllowed(checked.status, options.expectedStatus)) {
    return reject('status_mismatch');
  }

  const expectedOutcome =
    options.result !== undefined ? hashOf(options.result, 'result', encoding) : options.expectedOutcomeHash;
  if (expectedOutcome === undefined) return reject('invalid_result');
  if (expectedOutcome !== checked.outcome_hash) return reject('outcome_hash_mismatch');

  let expectedReason: string | null | undefined = options.expectedReasonHash ?? null;
  if (options.expectedReasonHash === undefined && options.reason !== undefined && options.reason !== null) {
    expectedReason = hashOf(options.reason, 'reason', encoding);
    if (expectedReason === undefined) return reject('invalid_reason');
  }
  if (expectedReason !== checked.reason_hash) return reject('reason_hash_mismatch');

  const now = (options.now ?? Date.now)();
  const window = ageWindow(checked.timestamp_ms, now, maxAgeMs, ATTESTATION_FUTURE_SKEW_MS);
  if (window === 'in_future') return reject('timestamp_in_future');
  if (window === 'too_old') return reject('timestamp_too_old');

  if (checked.agent_pubkey_fingerprint !== key.fingerprint) return reject('fingerprint_mismatch');
  // `signed_by` is not in the signed bytes; binding it to the verifying key makes it trustworthy. A
  // named signer can only be bound through a registry, after the signature.
  if (!hasRegistry && checked.signed_by !== agentIdOfKey(key)) return reject('signer_mismatch');

  const signature = decodeSignature(checked.signature, 'base64url');
  if (signature === undefined) return reject('invalid_signature');
  if (!verifyEd25519(backend, key, attestationSigningPayload(checked), signature))
    return reject('invalid_signature');
  return Object.freeze({ ok: true, attestation: checked });
}

/**
 * SPEC §10.5: `signed_by` is the key-derived id, or an id the registry binds to this very key. Either
 * way a signer the registry revoked is refused. Any registry failure fails closed.
 */
async function bindSigner(
  attestation: ExecutionAttestation,
  key: PublicKey,
  registry: AgentRegistry,
): Promise<AttestationVerdict> {
  const signedBy = attestation.signed_by;
  try {
    if (signedBy !== agentIdOfKey(key)) {
      const registered = await registry.resolve(signedBy);
      if (registered === undefined || !registered.publicKey.raw.equals(key.raw)) {
        return reject('signer_mismatch');
      }
    }
    if (await registry.isRevoked(signedBy)) return reject('signer_revoked');
  } catch {
    return reject('registry_unavailable');
  }
  return Object.freeze({ ok: true, attestation });
}

/**
 * Emit the verdict on `events`. Fields of a rejected attestation are read defensively: it may be any
 * value at all. A port that throws (it must not) never changes the verdict.
 */
export function emitAttestationVerdict(
  events: EventPort,
  attestation: unknown,
  verdict: AttestationVerdict,
): void {
  try {
    if (verdict.ok) {
      const a = verdict.attestation;
      events.emit('attestation_verified', {
        packet_id: a.packet_id,
        signed_by: a.signed_by,
        status: a.status,
        outcome_hash: a.outcome_hash,
      });
    } else {
      events.emit('attestation_rejected', {
        packet_id: stringField(attestation, 'packet_id'),
        signed_by: stringField(attestation, 'signed_by'),
        reason: verdict.reason,
      });
    }
  } catch {
    // Delivery never changes a decision.
  }
}

function stringField(value: unknown, field: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  const read: unknown = (value as Record<string, unknown>)[field];
  return typeof read === 'string' ? read : null;
}

/** Throws ConfigurationError unless `maxAgeSeconds` is a non-negative finite number. */
export function checkMaxAge(maxAgeSeconds: number): void {
  if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new ConfigurationError('maxAgeSeconds must be a non-negative number of seconds');
  }
}

export function reject(reason: AttestationRejectReason): AttestationVerdict {
  return Object.freeze({ ok: false, reason });
}

function statusAllowed(
  status: AttestationStatus,
  expected: AttestationStatus | readonly AttestationStatus[],
): boolean {
  return typeof expected === 'string' ? status === expected : expected.includes(status);
}

// A received result can hold anything; what has no outcome hash simply does not verify.
function hashOf(value: unknown, what: string, encoding: OutcomeEncoding): string | undefined {
  try {
    return outcomeHash(value, what, encoding);
  } catch (error) {
    if (error instanceof TrustHandoffError) return undefined;
    throw error;
  }
}

// SPKI DER of an Ed25519 key is this 12-byte prefix and the raw key (RFC 8410).
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Imported keys are immutable and cached by parsePublicKeyPem, so their agent ids can be cached too.
const agentIds = new WeakMap<PublicKey, string>();

/** The agent id (SPEC §2.5) of the canonical PEM of `key`, as the reference's identity computes it. */
function agentIdOfKey(key: PublicKey): string {
  let agentId = agentIds.get(key);
  if (agentId === undefined) {
    const der = Buffer.concat([SPKI_ED25519_PREFIX, key.raw]);
    agentId = agentIdFromPublicKeyPem(
      `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`,
    );
    agentIds.set(key, agentId);
  }
  return agentId;
}
