/**
 * Verify an attestation and refuse it the second time: {@link verifyAttestation} followed by the replay
 * tracker, in that order, so an unverified attestation never consumes a nonce.
 */
import { ConfigurationError } from '../errors.js';
import { AttestationReplayTracker } from './replay.js';
import type { AttestationVerdict, ExecutionAttestation } from './types.js';
import {
  checkAttestation,
  emitAttestationVerdict,
  reject,
  type AttestationPublicKey,
  type VerifyAttestationOptions,
} from './verify.js';

export interface VerifyAttestationOnceOptions extends Omit<VerifyAttestationOptions, 'maxAgeSeconds'> {
  /** The replay tracker; its `maxAgeSeconds` is the freshness window used here, its clock the default `now`. */
  readonly replayTracker: AttestationReplayTracker;
}

/**
 * Everything {@link verifyAttestation} checks (including a `registry` binding of `signed_by`), then
 * record `(fingerprint, nonce)`; a second presentation is `attestation_replayed`. A failing store (e.g.
 * {@link StoreUnavailableError}) is `replay_store_unavailable`: fail closed. Emits one
 * `attestation_verified` / `attestation_rejected` per call to `events`. Throws
 * {@link ConfigurationError} when `replayTracker` is not an {@link AttestationReplayTracker}.
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
  const tracker = requireTracker(options.replayTracker);
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw new ConfigurationError('now must be a function returning epoch milliseconds');
  }
  // One reading of the clock for both the freshness check and the entry's lifetime.
  const nowMs = (options.now ?? tracker.now)();
  const verdict = await checkAttestation(attestation, publicKey, {
    ...options,
    maxAgeSeconds: tracker.maxAgeSeconds,
    now: () => nowMs,
  });
  if (!verdict.ok) return verdict;
  let fresh: boolean;
  try {
    fresh = await tracker.checkAndRecord(verdict.attestation, nowMs);
  } catch {
    // Any store failure (StoreUnavailableError, or a custom store's own error) fails closed.
    return reject('replay_store_unavailable');
  }
  return fresh ? verdict : reject('attestation_replayed');
}

/** The one accepted type: a tracker (a bare ReplayStore is wrapped by `new AttestationReplayTracker`). */
export function requireTracker(tracker: unknown): AttestationReplayTracker {
  if (tracker instanceof AttestationReplayTracker) return tracker;
  throw new ConfigurationError(
    'replayTracker must be an AttestationReplayTracker (new AttestationReplayTracker({ replayStore }))',
  );
}
