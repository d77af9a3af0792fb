import { DEFAULT_OVERLAP_WINDOW_SECONDS, type OverlapWindow } from '../types.js';

export interface MemoryOverlapWindowOptions {
  /** Window length in seconds (default 30). */
  readonly windowSeconds?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Most ids remembered at once (default 100,000); the oldest are forgotten first. */
  readonly maxEntries?: number;
}

/** An in-process {@link OverlapWindow}; entries older than the window are dropped as they are met. */
export class MemoryOverlapWindow implements OverlapWindow {
  readonly #registeredAt = new Map<string, number>();
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: MemoryOverlapWindowOptions = {}) {
    this.#windowMs = (options.windowSeconds ?? DEFAULT_OVERLAP_WINDOW_SECONDS) * 1000;
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  register(tokenId: string): Promise<void> {
    this.#registeredAt.delete(tokenId);
    if (this.#registeredAt.size >= this.#maxEntries) {
      this.#registeredAt.delete(this.#registeredAt.keys().next().value!);
    }
    this.#registeredAt.set(tokenId, this.#now());
    return Promise.resolve();
  }

  isValid(tokenId: string): Promise<boolean> {
    const at = this.#registeredAt.get(tokenId);
    if (at === undefined) return Promise.resolve(false);
    if (this.#now() - at > this.#windowMs) {
      this.#registeredAt.delete(tokenId);
      return Promise.resolve(false);
    }
    return Promise.resolve(true);
  }
}
