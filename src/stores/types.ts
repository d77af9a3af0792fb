/**
 * The store interfaces of SPEC §5. Every store is chosen per instance and passed in; nothing in this
 * library falls back to a private in-memory store behind your back. Every implementation must pass
 * the shared contract suite (test/stores/contract.ts). Implementations throw
 * {@link StoreUnavailableError} when their backend fails; gates turn that into REJECT (fail closed).
 */
import type { ImportedPublicKey } from '../identity/keys.js';

/** Remembers keys (nonces) for a bounded time. */
export interface ReplayStore {
  /**
   * Atomically record `key` for `ttlMs` milliseconds. Resolves true when the key was new, false when
   * it was already recorded and has not expired.
   */
  checkAndStore(key: string, ttlMs: number): Promise<boolean>;
}

/** Revoked capability (or token) ids. Revocation is durable: there is no un-revoke. */
export interface RevocationStore {
  revoke(id: string): Promise<void>;
  isRevoked(id: string): Promise<boolean>;
}

export interface RegisteredAgent {
  readonly agentId: string;
  readonly publicKeyPem: string;
  readonly publicKey: ImportedPublicKey;
}

/**
 * The trust anchor: which public key speaks for which agent id. Revocation is sticky: registering a
 * revoked agent again does not un-revoke it.
 */
export interface AgentRegistry {
  /** Bind `agentId` to a public key (replacing an earlier key: rotation). Throws InvalidKeyError. */
  register(agentId: string, publicKeyPem: string): Promise<void>;
  resolve(agentId: string): Promise<RegisteredAgent | undefined>;
  isRegistered(agentId: string): Promise<boolean>;
  revoke(agentId: string): Promise<void>;
  isRevoked(agentId: string): Promise<boolean>;
}

/** Token rotation grace: a registered id stays usable for a window after it expired. */
export interface OverlapWindow {
  /** Record "now" for `tokenId`. */
  register(tokenId: string): Promise<void>;
  /** True while `tokenId` was registered less than the window ago. */
  isValid(tokenId: string): Promise<boolean>;
}

/** A named mutual-exclusion lock with a lease. */
export interface CoordinationLock {
  /** Take the lock for `ttlSeconds` (default 10); false when someone else holds it. */
  acquire(name: string, ttlSeconds?: number): Promise<boolean>;
  release(name: string): Promise<void>;
}

/** The overlap window of SPEC §5, in seconds. */
export const DEFAULT_OVERLAP_WINDOW_SECONDS = 30;
