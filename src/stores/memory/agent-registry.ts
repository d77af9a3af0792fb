import { importPublicKeyPem, parsePublicKeyPem, type PublicKey } from '../../identity/keys.js';
import type {
  AdmissionCapable,
  AdmissionStore,
  AdmissionStores,
  AgentKeyEntry,
  AgentRegistry,
  InvalidationFeed,
  InvalidationListener,
  BulkRegistration,
  RegisteredAgent,
  RegisteredKeyLookup,
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
 *
 * Every registered agent keeps its imported key for as long as it is registered (not a bounded cache):
 * a gate on this registry never parses a registered sender's PEM again, however many senders are
 * active ({@link registeredKey}). Registration reads the canonical Ed25519 PEM without OpenSSL's
 * decoder and builds the KeyObject on the first signature check, so {@link registerMany} registers
 * hundreds of thousands of agents a second (docs/benchmarks.md, `scale`).
 */
export class MemoryAgentRegistry
  implements AgentRegistry, AdmissionCapable, BulkRegistration, RegisteredKeyLookup, InvalidationFeed
{
  /** In-process and synchronous at heart: a gate adds no deadline around its calls. */
  readonly inProcess = true;
  readonly #agents = new Map<string, RegisteredAgent>();
  readonly #revoked = new Set<string>();
  readonly #listeners = new InvalidationListeners();

  register(agentId: string, publicKeyPem: string): Promise<void> {
    try {
      // Through the shared import cache, like every registry (a later parse of this text is free).
      const publicKey = parsePublicKeyPem(publicKeyPem);
      this.#agents.set(agentId, Object.freeze({ agentId, publicKeyPem, publicKey }));
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Register every entry, as {@link register} one after the other would (a later entry for an id
   * wins; revocations stay). Every key is imported first: an invalid one rejects with
   * `InvalidKeyError` and registers nothing. Resolves with the number of entries.
   */
  registerMany(entries: Iterable<AgentKeyEntry>): Promise<number> {
    try {
      const imported: RegisteredAgent[] = [];
      for (const entry of entries) imported.push(registration(entry.agentId, entry.publicKeyPem));
      for (const agent of imported) this.#agents.set(agent.agentId, agent);
      return Promise.resolve(imported.length);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The registered key of `agentId` when `publicKeyPem` is exactly its registered text; no parse. */
  registeredKey(agentId: string, publicKeyPem: string): PublicKey | undefined {
    const agent = this.#agents.get(agentId);
    return agent !== undefined && agent.publicKeyPem === publicKeyPem ? agent.publicKey : undefined;
  }

  /** Agents registered. */
  get size(): number {
    return this.#agents.size;
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

function registration(agentId: string, publicKeyPem: string): RegisteredAgent {
  // Imported outside the bounded parse cache: this registry keeps the key itself.
  const publicKey = importPublicKeyPem(publicKeyPem);
  return Object.freeze({ agentId, publicKeyPem, publicKey });
}
