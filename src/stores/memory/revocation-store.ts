import { InvalidationListeners } from '../invalidation.js';
import type { InvalidationFeed, InvalidationListener, RevocationStore } from '../types.js';

/**
 * An in-process {@link RevocationStore}. Use the Redis store to share revocations across verifiers.
 * It is its own {@link InvalidationFeed}: a first revocation of an id is pushed to every subscriber.
 */
export class MemoryRevocationStore implements RevocationStore, InvalidationFeed {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #revoked = new Set<string>();
  readonly #listeners = new InvalidationListeners();

  revoke(id: string): Promise<void> {
    if (!this.#revoked.has(id)) {
      this.#revoked.add(id);
      this.#listeners.emit({ kind: 'revocation', id });
    }
    return Promise.resolve();
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.#listeners.subscribe(listener);
  }

  isRevoked(id: string): Promise<boolean> {
    return Promise.resolve(this.#revoked.has(id));
  }

  /** {@link isRevoked} answered synchronously. */
  isRevokedSync(id: string): boolean {
    return this.#revoked.has(id);
  }
}
