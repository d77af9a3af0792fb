/**
 * Attestation replay tracking (SPEC §6: verifiers must track `(fingerprint, nonce)`). The reference
 * leaves this to the caller; here it is a small component over any {@link ReplayStore} (memory for one
 * process, Redis for many).
 */
import { ConfigurationError } from '../errors.js';
import type { ReplayStore } from '../stores/types.js';
import {
  ATTESTATION_FUTURE_SKEW_MS,
  DEFAULT_ATTESTATION_MAX_AGE_MS,
  type ExecutionAttestation,
} from './types.js';

export interface AttestationReplayTrackerOptions {
  /** Where seen `(fingerprint, nonce)` pairs live. Share one store between processes to share protection. */
  readonly store: ReplayStore;
  /** Prefix of every key written to the store (default `attestation:`), so packet nonces never collide. */
  readonly keyPrefix?: string;
  /** The freshness window the verifier enforces, in ms (default 300,000). Entries live as long as it. */
  readonly maxAgeMs?: number;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * Remembers attestations it has accepted. An entry is kept until the attestation it stands for can no
 * longer pass the freshness check anywhere — `timestamp_ms + maxAgeMs`, plus the 30 s future skew as a
 * margin for verifiers whose clocks lag — and is then forgotten, so memory is bounded by traffic within
 * the window, not by history.
 */
export class AttestationReplayTracker {
  readonly store: ReplayStore;
  readonly keyPrefix: string;
  readonly maxAgeMs: number;
  readonly now: () => number;

  constructor(options: AttestationReplayTrackerOptions) {
    if (options === null || typeof options !== 'object' || !isReplayStore(options.store)) {
      throw new ConfigurationError('AttestationReplayTracker needs a ReplayStore (store.checkAndStore)');
    }
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_ATTESTATION_MAX_AGE_MS;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
      throw new ConfigurationError('maxAgeMs must be a non-negative number of milliseconds');
    }
    this.store = options.store;
    this.keyPrefix = options.keyPrefix ?? 'attestation:';
    this.maxAgeMs = maxAgeMs;
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
    const ttlMs = attestation.timestamp_ms + this.maxAgeMs + ATTESTATION_FUTURE_SKEW_MS - nowMs;
    return this.store.checkAndStore(this.keyFor(attestation), Math.max(1, Math.ceil(ttlMs)));
  }
}

export function isReplayStore(value: unknown): value is ReplayStore {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { checkAndStore?: unknown }).checkAndStore === 'function'
  );
}
