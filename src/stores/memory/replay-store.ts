import { ConfigurationError } from '../../errors.js';
import { normaliseTtlMs } from '../durations.js';
import type { ReplayStore } from '../types.js';

export interface MemoryReplayStoreOptions {
  /** Most live entries kept (default 1,000,000). See {@link MemoryReplayStore} for what happens when full. */
  readonly maxEntries?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

const MAX_ENTRIES_LIMIT = 100_000_000;

/**
 * An in-process {@link ReplayStore}. Entries expire after their TTL and are evicted as they expire, so
 * memory is bounded by traffic × lifetime, not by history. When every slot holds a live entry, the
 * store refuses new keys (resolves false, i.e. "seen") rather than forget a live one: evicting a live
 * nonce would re-open it for replay.
 *
 * Eviction is amortised: a min-heap orders entries by expiry, and each call first pops the entries
 * that have expired. Every entry is pushed and popped once, so a call costs O(log n) amortised however
 * full the store is — there is no full scan, not even when the store is full of live entries.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #expiresAt = new Map<string, number>();
  readonly #heap = new ExpiryHeap();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 1_000_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES_LIMIT) {
      throw new ConfigurationError(`MemoryReplayStore: maxEntries must be an integer in [1, ${MAX_ENTRIES_LIMIT}]`);
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new ConfigurationError('MemoryReplayStore: now must be a function');
    }
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    let ttl: number;
    try {
      ttl = normaliseTtlMs(ttlMs);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const now = this.#now();
    this.#evictExpired(now);
    const existing = this.#expiresAt.get(key);
    if (existing !== undefined && existing > now) return Promise.resolve(false);
    if (existing === undefined && this.#expiresAt.size >= this.#maxEntries) return Promise.resolve(false);
    const expiresAt = now + ttl;
    this.#expiresAt.set(key, expiresAt);
    this.#heap.push(expiresAt, key);
    return Promise.resolve(true);
  }

  /** Entries held, live or expired but not yet evicted (eviction runs on each call). */
  get size(): number {
    return this.#expiresAt.size;
  }

  #evictExpired(now: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap.peekExpiry() <= now) {
      const [expiresAt, key] = heap.pop();
      // A key stored again after it expired has a newer heap entry; only the matching one evicts it.
      if (this.#expiresAt.get(key) === expiresAt) this.#expiresAt.delete(key);
    }
  }
}

/** A binary min-heap of (expiry, key), in two parallel arrays to keep it cheap for the GC. */
class ExpiryHeap {
  readonly #expiry: number[] = [];
  readonly #keys: string[] = [];

  get length(): number {
    return this.#expiry.length;
  }

  peekExpiry(): number {
    return this.#expiry[0]!;
  }

  push(expiresAt: number, key: string): void {
    const expiry = this.#expiry;
    const keys = this.#keys;
    let i = expiry.length;
    expiry.push(expiresAt);
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (expiry[parent]! <= expiresAt) break;
      expiry[i] = expiry[parent]!;
      keys[i] = keys[parent]!;
      i = parent;
    }
    expiry[i] = expiresAt;
    keys[i] = key;
  }

  pop(): [number, string] {
    const expiry = this.#expiry;
    const keys = this.#keys;
    const top: [number, string] = [expiry[0]!, keys[0]!];
    const lastExpiry = expiry.pop()!;
    const lastKey = keys.pop()!;
    const n = expiry.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && expiry[right]! < expiry[left]! ? right : left;
      if (expiry[child]! >= lastExpiry) break;
      expiry[i] = expiry[child]!;
      keys[i] = keys[child]!;
      i = child;
    }
    expiry[i] = lastExpiry;
    keys[i] = lastKey;
    return top;
  }
}
