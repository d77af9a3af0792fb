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
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #expiresAt = new Map<string, number>();
  readonly #heap = new ExpiryHeap();
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 1_000_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > MAX_ENTRIES_LIMIT) {
      throw new ConfigurationError(
        `MemoryReplayStore: maxEntries must be an integer in [1, ${MAX_ENTRIES_LIMIT}]`,
      );
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new ConfigurationError('MemoryReplayStore: now must be a function');
    }
    this.#maxEntries = maxEntries;
    this.#now = options.now ?? Date.now;
  }

  checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    try {
      return Promise.resolve(this.checkAndStoreSync(key, ttlMs));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** {@link checkAndStore} answered synchronously (throws ConfigurationError on a bad TTL). */
  checkAndStoreSync(key: string, ttlMs: number): boolean {
    const ttl = normaliseTtlMs(ttlMs);
    const now = this.#now();
    this.#evictExpired(now);
    const existing = this.#expiresAt.get(key);
    if (existing !== undefined && existing > now) return false;
    if (existing === undefined && this.#expiresAt.size >= this.#maxEntries) return false;
    const expiresAt = now + ttl;
    this.#expiresAt.set(key, expiresAt);
    this.#heap.push(expiresAt, key);
    return true;
  }

  /** Entries held, live or expired but not yet evicted (eviction runs on each call). */
  get size(): number {
    return this.#expiresAt.size;
  }

  #evictExpired(now: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap.peekExpiry() <= now) {
      const { expiresAt, key } = heap.pop();
      // A key stored again after it expired has a newer heap entry; only the matching one evicts it.
      if (this.#expiresAt.get(key) === expiresAt) this.#expiresAt.delete(key);
    }
  }
}

/** A binary min-heap of (expiry, key) entries. */
class ExpiryHeap {
  readonly #entries: HeapEntry[] = [];

  get length(): number {
    return this.#entries.length;
  }

  peekExpiry(): number {
    return this.#at(0).expiresAt;
  }

  push(expiresAt: number, key: string): void {
    const entries = this.#entries;
    const entry: HeapEntry = { expiresAt, key };
    let i = entries.length;
    entries.push(entry);
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = this.#at(parentIndex);
      if (parent.expiresAt <= expiresAt) break;
      entries[i] = parent;
      i = parentIndex;
    }
    entries[i] = entry;
  }

  pop(): HeapEntry {
    const entries = this.#entries;
    const top = this.#at(0);
    const last = entries.pop();
    const n = entries.length;
    if (last === undefined || n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = this.#at(left);
      let childIndex = left;
      if (left + 1 < n) {
        const right = this.#at(left + 1);
        if (right.expiresAt < child.expiresAt) {
          child = right;
          childIndex = left + 1;
        }
      }
      if (child.expiresAt >= last.expiresAt) break;
      entries[i] = child;
      i = childIndex;
    }
    entries[i] = last;
    return top;
  }

  #at(index: number): HeapEntry {
    const entry = this.#entries[index];
    if (entry === undefined) throw new RangeError('expiry heap index out of range');
    return entry;
  }
}

interface HeapEntry {
  readonly expiresAt: number;
  readonly key: string;
}
