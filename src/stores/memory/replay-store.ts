import type { ReplayStore } from '../types.js';

export interface MemoryReplayStoreOptions {
  /** Most live entries kept (default 1,000,000). See {@link MemoryReplayStore} for what happens when full. */
  readonly maxEntries?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * An in-process {@link ReplayStore}. Entries expire after their TTL and are evicted as they expire, so
 * memory is bounded by traffic × lifetime, not by history. When every slot holds a live entry, the
 * store refuses new keys (resolves false, i.e. "seen") rather than forget a live one: evicting a live
 * nonce would re-open it for replay.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #expiresAt = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 1_000_000;
    this.#now = options.now ?? Date.now;
  }

  checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const existing = this.#expiresAt.get(key);
    if (existing !== undefined) {
      if (existing > now) return Promise.resolve(false);
      this.#expiresAt.delete(key);
    }
    if (this.#expiresAt.size >= this.#maxEntries) {
      this.#evictExpired(now);
      if (this.#expiresAt.size >= this.#maxEntries) return Promise.resolve(false);
    }
    this.#expiresAt.set(key, now + Math.max(1, ttlMs));
    return Promise.resolve(true);
  }

  /** Live entries (expired ones may linger until the next eviction pass). */
  get size(): number {
    return this.#expiresAt.size;
  }

  #evictExpired(now: number): void {
    for (const [key, expiresAt] of this.#expiresAt) {
      if (expiresAt <= now) this.#expiresAt.delete(key);
    }
  }
}
