import { ConfigurationError } from '../../errors.js';
import { DEFAULT_LOCK_TTL_SECONDS, normaliseLeaseSeconds } from '../durations.js';
import type { CoordinationLock } from '../types.js';

export interface MemoryCoordinationLockOptions {
  /**
   * Another lock whose table this one shares, as a different owner: two lock objects over one table
   * behave like two processes on one Redis. Without it the lock has a table of its own.
   */
  readonly sharedWith?: MemoryCoordinationLock;
  /** Clock in epoch milliseconds (default `Date.now`); ignored with `sharedWith`, which brings its own. */
  readonly now?: () => number;
}

interface LockTable {
  readonly leases: Map<string, { readonly owner: symbol; readonly expiresAt: number }>;
  readonly now: () => number;
}

/**
 * An in-process {@link CoordinationLock} with the same semantics as the Redis lock: a lease expires
 * after `ttlSeconds` (rounded up to whole seconds), only the lock object that holds a lease can
 * release it, and a second `acquire` by the holder resolves false (not reentrant). Expired leases are
 * dropped when their name is next touched, so the table holds at most one entry per name in use.
 */
export class MemoryCoordinationLock implements CoordinationLock {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #table: LockTable;
  readonly #owner = Symbol('lock-owner');

  constructor(options: MemoryCoordinationLockOptions = {}) {
    if (options.sharedWith !== undefined) {
      if (!(options.sharedWith instanceof MemoryCoordinationLock)) {
        throw new ConfigurationError('MemoryCoordinationLock: sharedWith must be a MemoryCoordinationLock');
      }
      this.#table = options.sharedWith.#table;
    } else {
      if (options.now !== undefined && typeof options.now !== 'function') {
        throw new ConfigurationError('MemoryCoordinationLock: now must be a function');
      }
      this.#table = { leases: new Map(), now: options.now ?? Date.now };
    }
  }

  acquire(name: string, ttlSeconds: number = DEFAULT_LOCK_TTL_SECONDS): Promise<boolean> {
    let lease: number;
    try {
      lease = normaliseLeaseSeconds(ttlSeconds);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const now = this.#table.now();
    const held = this.#table.leases.get(name);
    if (held !== undefined && held.expiresAt > now) return Promise.resolve(false);
    this.#table.leases.set(name, { owner: this.#owner, expiresAt: now + lease * 1000 });
    return Promise.resolve(true);
  }

  release(name: string): Promise<void> {
    const held = this.#table.leases.get(name);
    if (held === undefined) return Promise.resolve();
    if (held.expiresAt <= this.#table.now()) this.#table.leases.delete(name);
    else if (held.owner === this.#owner) this.#table.leases.delete(name);
    return Promise.resolve();
  }
}
