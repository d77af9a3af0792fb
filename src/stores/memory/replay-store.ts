import { ConfigurationError, ReplayStoreFullError } from '../../errors.js';
import { normaliseTtlMs } from '../durations.js';
import type { ReplayStore } from '../types.js';

export interface MemoryReplayStoreOptions {
  /**
   * Most live entries kept (default 1,000,000: about 1,100 sustained accepts/s at the gate's default
   * 905 s retention). See {@link MemoryReplayStore} for sizing and for what happens when full.
   */
  readonly maxEntries?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

const MAX_ENTRIES_LIMIT = 100_000_000;

/** What {@link MemoryReplayStore.storeSync} did with a key. */
export type ReplayStoreOutcome = 'stored' | 'seen' | 'full';

/**
 * An in-process {@link ReplayStore}. Entries expire after their TTL and are evicted as they expire, so
 * memory is bounded by traffic × lifetime, not by history. When every slot holds a live entry, the
 * store refuses new keys — `checkAndStore` rejects with {@link ReplayStoreFullError}, which a gate
 * reports as `replay_store_full` (never as a replay) — rather than forget a live one: evicting a live
 * nonce would re-open it for replay.
 *
 * Sizing: a store holds what is accepted during one retention period, so it is full at a sustained
 * accept rate of `maxEntries / retention`. A gate retains a packet's nonce until the packet expires,
 * plus the overlap window and a 5 s margin: for the default 900 s maximum packet lifetime that is
 * 905 s, and the default 1,000,000 entries sustain about 1,100 accepts/s. {@link capacityFor} computes
 * `maxEntries` from a rate (docs/stores.md, "Sizing the memory replay store").
 *
 * Eviction is amortised: a min-heap orders entries by expiry, and each call first pops the entries
 * that have expired. Every entry is pushed and popped once, so a call costs O(log n) amortised however
 * full the store is — there is no full scan, not even when the store is full of live entries. The heap
 * is two flat arrays (expiry times in a Float64Array, keys in an array) and expiries are kept relative
 * to the store's creation, so a live entry costs its key string plus about 60 bytes.
 */
export class MemoryReplayStore implements ReplayStore {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  /** Key → expiry, ms after {@link #epoch} (small integers, stored unboxed). */
  readonly #expiresAt = new Map<string, number>();
  readonly #heap = new ExpiryHeap();
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #epoch: number;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
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
    const epoch = this.#now();
    this.#epoch = Number.isFinite(epoch) ? epoch : 0;
  }

  /**
   * The `maxEntries` that sustains `acceptsPerSecond` accepted packets a second when each nonce is
   * retained `retentionSeconds` (default 905: the gate's retention of a packet with the default
   * 900 s maximum lifetime and no overlap window). Rounded up.
   */
  static capacityFor(acceptsPerSecond: number, retentionSeconds: number = DEFAULT_RETENTION_SECONDS): number {
    if (!(acceptsPerSecond > 0) || !Number.isFinite(acceptsPerSecond)) {
      throw new ConfigurationError('capacityFor: acceptsPerSecond must be a positive number');
    }
    if (!(retentionSeconds > 0) || !Number.isFinite(retentionSeconds)) {
      throw new ConfigurationError('capacityFor: retentionSeconds must be a positive number');
    }
    return Math.ceil(acceptsPerSecond * retentionSeconds);
  }

  /** The most live entries this store holds. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    try {
      const outcome = this.storeSync(key, ttlMs);
      if (outcome === 'full') return Promise.reject(new ReplayStoreFullError(this.#maxEntries));
      return Promise.resolve(outcome === 'stored');
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * {@link checkAndStore} answered synchronously: true when new, false when seen; throws
   * {@link ReplayStoreFullError} when full and ConfigurationError on a bad TTL.
   */
  checkAndStoreSync(key: string, ttlMs: number): boolean {
    const outcome = this.storeSync(key, ttlMs);
    if (outcome === 'full') throw new ReplayStoreFullError(this.#maxEntries);
    return outcome === 'stored';
  }

  /**
   * Record `key` for `ttlMs` unless it is live: `stored` (it was new), `seen` (live: a replay) or
   * `full` (new, but every slot holds a live entry: nothing was stored).
   */
  storeSync(key: string, ttlMs: number): ReplayStoreOutcome {
    const ttl = normaliseTtlMs(ttlMs);
    const now = this.#now() - this.#epoch;
    this.#evictExpired(now);
    const existing = this.#expiresAt.get(key);
    if (existing !== undefined && existing > now) return 'seen';
    if (existing === undefined && this.#expiresAt.size >= this.#maxEntries) return 'full';
    const expiresAt = now + ttl;
    this.#expiresAt.set(key, expiresAt);
    this.#heap.push(expiresAt, key);
    return 'stored';
  }

  /** Entries held, live or expired but not yet evicted (eviction runs on each call). */
  get size(): number {
    return this.#expiresAt.size;
  }

  #evictExpired(now: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap.peekExpiry() <= now) {
      const expiresAt = heap.peekExpiry();
      const key = heap.pop();
      // A key stored again after it expired has a newer heap entry; only the matching one evicts it.
      if (this.#expiresAt.get(key) === expiresAt) this.#expiresAt.delete(key);
    }
  }
}

const DEFAULT_MAX_ENTRIES = 1_000_000;
const DEFAULT_RETENTION_SECONDS = 905;

/** A binary min-heap of (expiry, key) entries in two flat arrays (no object per entry). */
class ExpiryHeap {
  #times = new Float64Array(64);
  readonly #keys: string[] = [];

  get length(): number {
    return this.#keys.length;
  }

  peekExpiry(): number {
    return this.#times[0]!;
  }

  push(expiresAt: number, key: string): void {
    const keys = this.#keys;
    let i = keys.length;
    if (i === this.#times.length) {
      const grown = new Float64Array(i * 2);
      grown.set(this.#times);
      this.#times = grown;
    }
    const times = this.#times;
    keys.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentTime = times[parent]!;
      if (parentTime <= expiresAt) break;
      times[i] = parentTime;
      keys[i] = keys[parent]!;
      i = parent;
    }
    times[i] = expiresAt;
    keys[i] = key;
  }

  /** Remove the entry with the earliest expiry and return its key (the heap must not be empty). */
  pop(): string {
    const keys = this.#keys;
    const times = this.#times;
    const top = keys[0]!;
    const lastKey = keys.pop()!;
    const n = keys.length;
    if (n === 0) return top;
    const lastTime = times[n]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      let child = left;
      if (left + 1 < n && times[left + 1]! < times[left]!) child = left + 1;
      if (times[child]! >= lastTime) break;
      times[i] = times[child]!;
      keys[i] = keys[child]!;
      i = child;
    }
    times[i] = lastTime;
    keys[i] = lastKey;
    // Give memory back when the heap has shrunk to a quarter of its arrays.
    if (times.length > 64 && n < times.length >> 2) this.#times = times.slice(0, times.length >> 1);
    return top;
  }
}
