import { ConfigurationError } from '../../errors.js';
import { overlapWindowMs } from '../durations.js';
import type { OverlapWindow } from '../types.js';

export interface MemoryOverlapWindowOptions {
  /** Window length in seconds (default 30); fractions are allowed (millisecond precision). */
  readonly windowSeconds?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Most ids remembered at once (default 100,000). When full, the oldest registration is forgotten
   * first; a forgotten id is no longer valid, which fails closed (the token is refused, not accepted).
   */
  readonly maxEntries?: number;
}

/**
 * An in-process {@link OverlapWindow}. Registrations are kept in registration order (re-registering
 * moves an id to the end), so expired ones sit at the front and are dropped there on every call:
 * O(1) amortised, and memory is bounded by the registrations of one window (and by `maxEntries`).
 */
export class MemoryOverlapWindow implements OverlapWindow {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #registeredAt = new Map<string, number>();
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: MemoryOverlapWindowOptions = {}) {
    this.#windowMs = overlapWindowMs(options.windowSeconds, 'MemoryOverlapWindow');
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new ConfigurationError('MemoryOverlapWindow: maxEntries must be a positive integer');
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new ConfigurationError('MemoryOverlapWindow: now must be a function');
    }
    this.#now = options.now ?? Date.now;
    this.#maxEntries = maxEntries;
  }

  register(tokenId: string): Promise<void> {
    const now = this.#now();
    this.#dropExpired(now);
    this.#registeredAt.delete(tokenId);
    if (this.#registeredAt.size >= this.#maxEntries) {
      const oldest = this.#registeredAt.keys().next();
      if (oldest.done !== true) this.#registeredAt.delete(oldest.value);
    }
    this.#registeredAt.set(tokenId, now);
    return Promise.resolve();
  }

  isValid(tokenId: string): Promise<boolean> {
    const now = this.#now();
    this.#dropExpired(now);
    const at = this.#registeredAt.get(tokenId);
    return Promise.resolve(at !== undefined && now - at < this.#windowMs);
  }

  #dropExpired(now: number): void {
    for (const [tokenId, at] of this.#registeredAt) {
      if (now - at < this.#windowMs) break;
      this.#registeredAt.delete(tokenId);
    }
  }
}
