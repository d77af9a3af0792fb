/**
 * The store interfaces of SPEC §5. Every store is chosen per instance and passed in; nothing in this
 * library falls back to a private in-memory store behind your back. Every implementation must pass
 * the shared contract suite (test/stores/contract.ts). Implementations throw
 * {@link StoreUnavailableError} when their backend fails; gates turn that into REJECT (fail closed).
 */
import type { PublicKey } from '../identity/keys.js';

/**
 * What every store may say about itself. `inProcess: true` means the store lives in this process and
 * cannot hang on a network: a gate then calls it without a deadline timer (the memory stores).
 */
export interface StoreTraits {
  readonly inProcess?: boolean;
  /** Set when the store enforces its own per-call deadline (ms); a gate then adds none of its own. */
  readonly commandTimeoutMs?: number;
}

/** Remembers keys (nonces) for a bounded time. */
export interface ReplayStore extends StoreTraits {
  /**
   * Atomically record `key` for `ttlMs` milliseconds. Resolves true when the key was new, false when
   * it was already recorded and has not expired.
   */
  checkAndStore(key: string, ttlMs: number): Promise<boolean>;
}

/** Revoked capability (or token) ids. Revocation is durable: there is no un-revoke. */
export interface RevocationStore extends StoreTraits {
  revoke(id: string): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
}

export interface RegisteredAgent {
  readonly agentId: string;
  readonly publicKeyPem: string;
  readonly publicKey: PublicKey;
}

/**
 * The trust anchor: which public key speaks for which agent id. Revocation is sticky: registering a
 * revoked agent again does not un-revoke it.
 */
export interface AgentRegistry extends StoreTraits {
  /** Bind `agentId` to a public key (replacing an earlier key: rotation). Throws InvalidKeyError. */
  register(agentId: string, publicKeyPem: string): Promise<void>;
  resolve(agentId: string): Promise<RegisteredAgent | undefined>;
  isRegistered(agentId: string): Promise<boolean>;
  revoke(agentId: string): Promise<void>;
  isRevoked(agentId: string): Promise<boolean>;
}

/** One entry of a bulk registration: an agent id and its public key PEM. */
export interface AgentKeyEntry {
  readonly agentId: string;
  readonly publicKeyPem: string;
}

/**
 * An optional capability of an {@link AgentRegistry}: register many agents in one call, faster than
 * one {@link AgentRegistry.register} call each (one pass, one pipeline). The result is the same as
 * registering the entries one after the other, in order (a later entry for the same id wins).
 * Every key is checked first: one invalid key rejects with `InvalidKeyError` and registers nothing.
 */
export interface BulkRegistration {
  registerMany(entries: Iterable<AgentKeyEntry>): Promise<number>;
}

/** True when `registry` offers {@link BulkRegistration.registerMany}. */
export function isBulkRegistration(registry: unknown): registry is BulkRegistration {
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof (registry as Partial<BulkRegistration>).registerMany === 'function'
  );
}

/**
 * An optional capability of an {@link AgentRegistry} that holds every registered key in this process
 * (the memory registry): the key already imported for `agentId` when `publicKeyPem` is exactly the
 * text registered for it, undefined otherwise — no I/O, no PEM parse. The gate's admission path uses
 * it to skip importing the key a packet declares, whatever the number of active senders. It is an
 * import shortcut only: the binding itself is still decided by the admission store.
 */
export interface RegisteredKeyLookup {
  registeredKey(agentId: string, publicKeyPem: string): PublicKey | undefined;
}

/** True when `registry` offers {@link RegisteredKeyLookup.registeredKey}. */
export function isRegisteredKeyLookup(registry: unknown): registry is RegisteredKeyLookup {
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof (registry as Partial<RegisteredKeyLookup>).registeredKey === 'function'
  );
}

/** Token rotation grace: a registered id stays usable for a window after it expired. */
export interface OverlapWindow extends StoreTraits {
  /** Record "now" for `tokenId`. */
  register(tokenId: string): Promise<void>;
  /** True while `tokenId` was registered less than the window ago. */
  isValid(tokenId: string): Promise<boolean>;
}

/** A named mutual-exclusion lock with a lease. */
export interface CoordinationLock extends StoreTraits {
  /** Take the lock for `ttlSeconds` (default 10); false when someone else holds it. */
  acquire(name: string, ttlSeconds?: number): Promise<boolean>;
  release(name: string): Promise<void>;
}

/** The overlap window of SPEC §5, in seconds. */
export const DEFAULT_OVERLAP_WINDOW_SECONDS = 30;

/**
 * What an {@link AdmissionStore} is asked, for a packet whose signature already verified against
 * `publicKey` (the key the packet declares) and that passed every local check.
 */
export interface AdmissionRequest {
  /** `from_agent`. */
  readonly agentId: string;
  /** The packet's `public_key` PEM, as sent. */
  readonly publicKeyPem: string;
  /** The same key, imported (compared as raw bytes when the PEM text differs from the registered one). */
  readonly publicKey: PublicKey;
  /** Ids that must not be revoked in the revocation store (packet id, task id, capability ids). */
  readonly revocationIds: readonly string[];
  /** The replay key, stored for `ttlMs` only when every check passes. */
  readonly replayKey: string;
  readonly ttlMs: number;
}

/**
 * The first check that failed, in this order, or `admitted` (and the replay key is now stored).
 * `replay_store_full`: every check passed but the replay store (a bounded memory store) holds its
 * maximum of live entries, so the nonce could not be stored — not a replay.
 */
export type AdmissionVerdict =
  | 'admitted'
  | 'not_registered'
  | 'key_mismatch'
  | 'agent_revoked'
  | 'revoked'
  | 'replay'
  | 'replay_store_full';

/**
 * Registry key binding, agent revocation, id revocation and replay check-and-store as one atomic
 * operation: the nonce is stored only when the sender is registered with exactly the request's key,
 * not revoked, and none of the ids is revoked. A gate uses it to decide with one store call (one Redis
 * round trip) instead of four. Failures throw {@link StoreUnavailableError} (or reject with it).
 */
export interface AdmissionStore extends StoreTraits {
  admit(request: AdmissionRequest): AdmissionVerdict | Promise<AdmissionVerdict>;
}

/** The stores an {@link AdmissionCapable} registry can be combined with. */
export interface AdmissionStores {
  readonly replayStore: ReplayStore;
  readonly revocationStore?: RevocationStore;
}

/**
 * An optional capability of an {@link AgentRegistry}: an {@link AdmissionStore} over this registry and
 * the given stores, or undefined when they cannot be combined (another backend, another client).
 */
export interface AdmissionCapable {
  admissionStore(stores: AdmissionStores): AdmissionStore | undefined;
}

/** True when `registry` offers {@link AdmissionCapable.admissionStore}. */
export function isAdmissionCapable(registry: unknown): registry is AdmissionCapable {
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof (registry as Partial<AdmissionCapable>).admissionStore === 'function'
  );
}

/**
 * One notice of an {@link InvalidationFeed}:
 * - `agent`: the agent `id` was revoked in the registry;
 * - `revocation`: the id (packet, task or capability id) was revoked in the revocation store;
 * - `resync`: the feed may have missed notices (its log no longer reaches back to the last one it
 *   delivered): whoever holds state must check it against the stores again.
 * Notices are delivered at least once (a resync after a reconnect may repeat one) and only after the
 * revocation itself is durable in the store.
 */
export type Invalidation =
  | { readonly kind: 'agent'; readonly id: string }
  | { readonly kind: 'revocation'; readonly id: string }
  | { readonly kind: 'resync' };

/** Called for every notice; it must not throw (a throw is caught and ignored) and should be quick. */
export type InvalidationListener = (invalidation: Invalidation) => void;

/**
 * Revocations pushed to this process as they happen (docs/invalidation.md), so that revalidation
 * watchers and executors react within milliseconds instead of at their next poll. A push is an
 * accelerator: the stores stay the source of truth, and polling stays the safety net.
 */
export interface InvalidationFeed {
  /** Deliver every later notice to `listener` until the returned function is called. */
  subscribe(listener: InvalidationListener): () => void;
}

/** True when `value` offers {@link InvalidationFeed.subscribe}. */
export function isInvalidationFeed(value: unknown): value is InvalidationFeed {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<InvalidationFeed>).subscribe === 'function'
  );
}
