import type { RevocationStore } from '../types.js';

/** An in-process {@link RevocationStore}. Use the Redis store to share revocations across verifiers. */
export class MemoryRevocationStore implements RevocationStore {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #revoked = new Set<string>();

  revoke(id: string): Promise<void> {
    this.#revoked.add(id);
    return Promise.resolve();
  }

  isRevoked(id: string): Promise<boolean> {
    return Promise.resolve(this.#revoked.has(id));
  }

  /** {@link isRevoked} answered synchronously. */
  isRevokedSync(id: string): boolean {
    return this.#revoked.has(id);
  }
}
