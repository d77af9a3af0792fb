import { parsePublicKeyPem } from '../../identity/keys.js';
import type {
  AdmissionCapable,
  AdmissionStore,
  AdmissionStores,
  AgentRegistry,
  InvalidationFeed,
  InvalidationListener,
  RegisteredAgent,
} from '../types.js';
import { InvalidationListeners } from '../invalidation.js';
import { MemoryAdmissionStore } from './admission-store.js';
import { MemoryReplayStore } from './replay-store.js';
import { MemoryRevocationStore } from './revocation-store.js';

/**
 * An in-process {@link AgentRegistry}. Use the Redis registry to share registrations across verifiers.
 * Keys are imported (and so validated) before anything changes; a bad key rejects with
 * `InvalidKeyError` (as a rejected promise, like every other failure of an async store method) and
 * leaves the earlier registration in place. Revocation is kept apart from the key, so re-registering a
 * revoked agent never clears it. It is its own {@link InvalidationFeed}: a first revocation of an
 * agent is pushed to every subscriber.
 */
export class MemoryAgentRegistry implements AgentRegistry, AdmissionCapable, InvalidationFeed {
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #agents = new Map<string, RegisteredAgent>();
  readonly #revoked = new Set<string>();
  readonly #listeners = new InvalidationListeners();

  register(agentId: string, publicKeyPem: string): Promise<void> {
    try {
      const publicKey = parsePublicKeyPem(publicKeyPem);
      this.#agents.set(agentId, Object.freeze({ agentId, publicKeyPem, publicKey }));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  resolve(agentId: string): Promise<RegisteredAgent | undefined> {
    return Promise.resolve(this.#agents.get(agentId));
  }

  isRegistered(agentId: string): Promise<boolean> {
    return Promise.resolve(this.#agents.has(agentId));
  }

  revoke(agentId: string): Promise<void> {
    if (!this.#revoked.has(agentId)) {
      this.#revoked.add(agentId);
      this.#listeners.emit({ kind: 'agent', id: agentId });
    }
    return Promise.resolve();
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.#listeners.subscribe(listener);
  }

  isRevoked(agentId: string): Promise<boolean> {
    return Promise.resolve(this.#revoked.has(agentId));
  }

  /** {@link resolve} answered synchronously. */
  resolveSync(agentId: string): RegisteredAgent | undefined {
    return this.#agents.get(agentId);
  }

  /** {@link isRevoked} answered synchronously. */
  isRevokedSync(agentId: string): boolean {
    return this.#revoked.has(agentId);
  }

  /** A synchronous {@link MemoryAdmissionStore} when the other stores are memory stores too. */
  admissionStore(stores: AdmissionStores): AdmissionStore | undefined {
    const { replayStore, revocationStore } = stores;
    if (!(replayStore instanceof MemoryReplayStore)) return undefined;
    if (revocationStore !== undefined && !(revocationStore instanceof MemoryRevocationStore))
      return undefined;
    return new MemoryAdmissionStore({
      registry: this,
      replayStore,
      ...(revocationStore === undefined ? {} : { revocationStore }),
    });
  }
}
