/**
 * Verify an attestation and refuse it the second time: {@link verifyAttestation} followed by the replay
 * tracker, in that order, so an unverified attestation never consumes a nonce.
 */
import { ConfigurationError } from '../errors.js';
import type { ReplayStore } from '../stores/types.js';
import { AttestationReplayTracker, isReplayStore } from './replay.js';
import type { AttestationVerdict, ExecutionAttestation } from './types.js';
import {
  checkAttestation,
  emitAttestationVerdict,
  reject,
  type AttestationPublicKey,
  type VerifyAttestationOptions,
} from './verify.js';

export interface VerifyAttestationOnceOptions extends Omit<VerifyAttestationOptions, 'maxAgeMs'> {
  /**
   * The replay tracker (its `maxAgeMs` is the freshness window used here), or a bare {@link ReplayStore}
   * wrapped in a tracker with default options.
   */
  readonly replay: AttestationReplayTracker | ReplayStore;
}

/**
 * Everything {@link verifyAttestation} checks (including a `registry` binding of `signed_by`), then
 * record `(fingerprint, nonce)`; a second presentation is `attestation_replayed`. A failing store (e.g.
 * {@link StoreUnavailableError}) is `replay_store_unavailable`: fail closed. Emits one
 * `attestation_verified` / `attestation_rejected` per call to `events`.
 */
export async function verifyAttestationOnce(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOnceOptions,
): Promise<AttestationVerdict> {
  const verdict = await checkAttestationOnce(attestation, publicKey, options);
  if (options.events !== undefined) emitAttestationVerdict(options.events, attestation, verdict);
  return verdict;
}

/** {@link verifyAttestationOnce} without events (shared with {@link verifyNodeOutput}). */
export async function checkAttestationOnce(
  attestation: ExecutionAttestation,
  publicKey: AttestationPublicKey,
  options: VerifyAttestationOnceOptions,
): Promise<AttestationVerdict> {
  const tracker = toTracker(options.replay);
  const nowMs = options.nowMs ?? tracker.now();
  const verdict = await checkAttestation(attestation, publicKey, {
    ...options,
    maxAgeMs: tracker.maxAgeMs,
    nowMs,
  });
  if (!verdict.valid) return verdict;
  let fresh: boolean;
  try {
    fresh = await tracker.checkAndRecord(verdict.attestation, nowMs);
  } catch {
    // Any store failure (StoreUnavailableError, or a custom store's own error) fails closed.
    return reject('replay_store_unavailable');
  }
  return fresh ? verdict : reject('attestation_replayed');
}

export function toTracker(replay: AttestationReplayTracker | ReplayStore): AttestationReplayTracker {
  if (replay instanceof AttestationReplayTracker) return replay;
  if (isReplayStore(replay)) return new AttestationReplayTracker({ store: replay });
  throw new ConfigurationError('replay must be an AttestationReplayTracker or a ReplayStore');
}
