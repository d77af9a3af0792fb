/**
 * Attestation replay tracking (SPEC §6: verifiers must track `(fingerprint, nonce)`). The reference
 * leaves this to the caller; here it is a small component over any {@link ReplayStore} (memory for one
 * process, Redis for many).
 */
import { ConfigurationError } from '../errors.js';
import type { ReplayStore } from '../stores/types.js';
import {
  ATTESTATION_FUTURE_SKEW_MS,
  DEFAULT_ATTESTATION_MAX_AGE_SECONDS,
  type ExecutionAttestation,
} from './types.js';

export interface AttestationReplayTrackerOptions {
  /** Where seen `(fingerprint, nonce)` pairs live. Share one store between processes to share protection. */
  readonly replayStore: ReplayStore;
  /** Prefix of every key written to the store (default `attestation:`), so packet nonces never collide. */
  readonly keyPrefix?: string;
  /** The freshness window the verifier enforces, in seconds (default 300). Entries live as long as it. */
  readonly maxAgeSeconds?: number;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Remembers attestations it has accepted. An entry is kept until the attestation it stands for can no
 * longer pass the freshness check anywhere — `timestamp_ms + maxAgeSeconds`, plus the 30 s future skew as a
 * margin for verifiers whose clocks lag — and is then forgotten, so memory is bounded by traffic within
 * the window, not by history.
 */
export class AttestationReplayTracker {
  readonly replayStore: ReplayStore;
  readonly keyPrefix: string;
  readonly maxAgeSeconds: number;
  readonly now: () => number;

  constructor(options: AttestationReplayTrackerOptions) {
    if (options === null || typeof options !== 'object' || !isReplayStore(options.replayStore)) {
      throw new ConfigurationError(
        'AttestationReplayTracker needs a ReplayStore (replayStore.checkAndStore)',
      );
    }
    const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_ATTESTATION_MAX_AGE_SECONDS;
    if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
      throw new ConfigurationError('maxAgeSeconds must be a non-negative number of seconds');
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new ConfigurationError('now must be a function returning epoch milliseconds');
    }
    this.replayStore = options.replayStore;
    this.keyPrefix = options.keyPrefix ?? 'attestation:';
    this.maxAgeSeconds = maxAgeSeconds;
    this.now = options.now ?? Date.now;
    Object.freeze(this);
  }

  /** The store key of an attestation: its signer's fingerprint and its nonce. */
  keyFor(attestation: ExecutionAttestation): string {
    return `${this.keyPrefix}${attestation.agent_pubkey_fingerprint}:${attestation.nonce.toString(16)}`;
  }

  /**
   * Record the attestation; true when it was not seen before. Call it only for attestations that
   * verified (verify before you remember). Rejects with {@link StoreUnavailableError} when the store fails.
   */
  checkAndRecord(attestation: ExecutionAttestation, nowMs: number = this.now()): Promise<boolean> {
    const ttlMs = attestation.timestamp_ms + this.maxAgeSeconds * 1000 + ATTESTATION_FUTURE_SKEW_MS - nowMs;
    return this.replayStore.checkAndStore(this.keyFor(attestation), Math.max(1, Math.ceil(ttlMs)));
  }
}

export function isReplayStore(value: unknown): value is ReplayStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { checkAndStore?: unknown }).checkAndStore === 'function'
  );
}
