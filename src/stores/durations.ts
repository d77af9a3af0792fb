/**
 * Duration arguments shared by the memory and Redis stores, normalised the same way so both behave
 * identically under the contract suite. Redis `PX`/`EX` take positive integers, so fractions round up
 * (never down: a shorter life would forget a nonce early) and anything below the unit becomes one unit.
 */
import { ConfigurationError, PayloadValidationError } from '../errors.js';
import { DEFAULT_OVERLAP_WINDOW_SECONDS } from './types.js';

/** Longest accepted lifetime: about 100 years, far below Redis's and `Date`'s limits. */
const MAX_DURATION_MS = 100 * 365 * 24 * 3600 * 1000;

/** A replay-record lifetime in whole milliseconds (≥ 1). Throws {@link PayloadValidationError}. */
export function normaliseTtlMs(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs)) {
    throw new PayloadValidationError('ttlMs must be a finite number of milliseconds');
  }
  return Math.min(MAX_DURATION_MS, Math.max(1, Math.ceil(ttlMs)));
}

/** A lock lease in whole seconds (≥ 1). Throws {@link PayloadValidationError}. */
export function normaliseLeaseSeconds(ttlSeconds: number): number {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new PayloadValidationError('ttlSeconds must be a positive finite number of seconds');
  }
  return Math.min(MAX_DURATION_MS / 1000, Math.ceil(ttlSeconds));
}

/** The default lease of SPEC §5's `acquire(name, ttlSeconds=10)`. */
export const DEFAULT_LOCK_TTL_SECONDS = 10;

/** An overlap window in whole milliseconds (default 30 s). Throws {@link ConfigurationError}. */
export function overlapWindowMs(windowSeconds: number | undefined, storeName: string): number {
  const seconds = windowSeconds ?? DEFAULT_OVERLAP_WINDOW_SECONDS;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new ConfigurationError(`${storeName}: windowSeconds must be a number in (0, 86400]`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}
