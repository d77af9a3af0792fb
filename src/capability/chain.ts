/**
 * Capability chains (SPEC §6), root first, leaf last.
 *
 * {@link validateCapabilityChain} is the SPEC's structural rule (every consecutive pair is a valid
 * derivation). {@link createCapabilityChainVerifier} is what a verifier should use: stricter than the
 * reference, which skips every signature when no registry is passed, it always checks
 *  - the chain's shape: not empty, bounded length, root without a parent, root issued by a configured
 *    trusted root, every pair a valid derivation;
 *  - every link's time window against the clock (not only against its parent);
 *  - the leaf's subject against the agent presenting the chain, when that agent is named;
 *  - every link's issuer key binding (registry, a pinned root key, or a self-certifying agent id) and
 *    its Ed25519 signature;
 *  - revocation of every link.
 * Cheap checks run first, so unauthenticated junk never reaches a store.
 */
import { ConfigurationError } from '../errors.js';
import { agentIdFromPublicKeyPem } from '../identity/agent-id.js';
import { importPublicKeyPem, type ImportedPublicKey } from '../identity/keys.js';
import type { AgentRegistry, RevocationStore } from '../stores/types.js';
import { Timestamp } from '../wire/timestamp.js';
import { checkCapabilityDerivation, type DerivationCheckReason } from './derive.js';
import type { DelegationCapability } from './types.js';
import { checkCapabilitySignature } from './verify.js';
import { resolveClockTolerance } from '../settings.js';

/** Why a chain failed. Stable strings: match on them, never on messages. */
export type CapabilityChainReason =
  | 'malformed_chain'
  | 'empty_chain'
  | 'chain_too_long'
  | DerivationCheckReason
  | 'root_has_parent'
  | 'untrusted_root'
  | 'naive_timestamp'
  | 'malformed_time_window'
  | 'issued_in_future'
  | 'expired'
  | 'subject_mismatch'
  | 'invalid_signature'
  | 'malformed_signature'
  | 'invalid_public_key'
  | 'unsupported_signature_algo'
  | 'issuer_not_registered'
  | 'issuer_key_mismatch'
  | 'issuer_revoked'
  | 'issuer_key_unbound'
  | 'revoked'
  | 'registry_unavailable'
  | 'revocation_store_unavailable';

export interface CapabilityChainResult {
  readonly valid: boolean;
  readonly reason?: CapabilityChainReason;
  /** Position of the failing capability in the chain (0 = root). */
  readonly index?: number;
  readonly capabilityId?: string;
}

const VALID: CapabilityChainResult = Object.freeze({ valid: true });

function invalid(
  reason: CapabilityChainReason,
  index?: number,
  capability?: DelegationCapability,
): CapabilityChainResult {
  const result: { valid: false; reason: CapabilityChainReason; index?: number; capabilityId?: string } = {
    valid: false,
    reason,
  };
  if (index !== undefined) result.index = index;
  if (capability !== undefined && typeof capability.capability_id === 'string')
    result.capabilityId = capability.capability_id;
  return Object.freeze(result);
}

/**
 * SPEC §6 structural validity: every consecutive pair is a valid derivation. Stricter than the
 * reference in two ways: an empty chain is invalid, and an unlimited budget under a limited parent is
 * a widening. Checks no signature, key, clock or revocation: use a verifier for that.
 */
export function validateCapabilityChain(chain: readonly DelegationCapability[]): CapabilityChainResult {
  if (!isList(chain)) return invalid('malformed_chain');
  if (chain.length === 0) return invalid('empty_chain');
  let parent: DelegationCapability | undefined;
  for (const [i, capability] of chain.entries()) {
    if (parent !== undefined) {
      const reason = checkCapabilityDerivation(parent, capability);
      if (reason !== undefined) return invalid(reason, i, capability);
    }
    parent = capability;
  }
  return VALID;
}

// Array.isArray would widen a readonly array to any[].
function isList(value: unknown): value is readonly DelegationCapability[] {
  return Array.isArray(value);
}

/**
 * An agent whose root capabilities are trusted: its agent id, optionally pinned to a public key (an
 * `AgentIdentity` fits). Without a pinned key, the root's key is bound like any other issuer's.
 */
export type TrustedRoot = string | { readonly agentId: string; readonly publicKeyPem?: string };

export interface CapabilityVerifierOptions {
  /** Agents allowed to issue root capabilities. Required and non-empty: a chain must start somewhere trusted. */
  readonly trustedRoots: readonly TrustedRoot[];
  /**
   * Binds each issuer to its key: registered, not revoked, same key. Without a registry an issuer's key
   * is bound only by a pinned trusted-root key or a self-certifying agent id (SPEC §2.5 id derived from
   * the capability's `public_key`); names that are not derived from keys then fail (`issuer_key_unbound`).
   */
  readonly registry?: AgentRegistry;
  /** Revoked capability ids; any revoked link fails the chain. */
  readonly revocations?: RevocationStore;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Tolerated clock skew for `issued_at`, seconds, clamped to [0, 300]. Default env `TRUSTHANDOFF_ISSUANCE_SKEW` or 30. */
  readonly issuanceSkewSeconds?: number;
  /** Grace after `expires_at`, seconds, clamped to [0, 60]. Default env `TRUSTHANDOFF_EXPIRY_GRACE` or 0. */
  readonly expiryGraceSeconds?: number;
  /** Longest chain accepted (default 16). Bounds the work one request can cause. */
  readonly maxChainLength?: number;
  /** Environment to read the variables from (default `process.env`), read when the verifier is created. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface VerifyChainOptions {
  /**
   * The agent presenting the chain: the leaf's `subject_agent` must be this agent. Without it the
   * chain is a bearer credential: whoever holds it can present it.
   */
  readonly presenter?: string;
}

export interface CapabilityChainVerifier {
  verify(
    chain: readonly DelegationCapability[],
    options?: VerifyChainOptions,
  ): Promise<CapabilityChainResult>;
  readonly settings: {
    readonly issuanceSkewSeconds: number;
    readonly expiryGraceSeconds: number;
    readonly maxChainLength: number;
    readonly trustedRoots: readonly string[];
  };
}

export const DEFAULT_MAX_CHAIN_LENGTH = 16;

function resolveTrustedRoots(
  roots: readonly TrustedRoot[] | undefined,
): Map<string, ImportedPublicKey | null> {
  if (!Array.isArray(roots) || roots.length === 0) {
    throw new ConfigurationError('trustedRoots: at least one trusted root agent is required');
  }
  const map = new Map<string, ImportedPublicKey | null>();
  for (const root of roots as readonly unknown[]) {
    let agentId: unknown;
    let pem: unknown;
    if (typeof root === 'string') agentId = root;
    else if (typeof root === 'object' && root !== null) {
      agentId = (root as { agentId?: unknown }).agentId;
      pem = (root as { publicKeyPem?: unknown }).publicKeyPem;
    }
    if (typeof agentId !== 'string' || agentId.length === 0) {
      throw new ConfigurationError('trustedRoots: each root is an agent id or {agentId, publicKeyPem?}');
    }
    let key: ImportedPublicKey | null = null;
    if (pem !== undefined) {
      try {
        key = importPublicKeyPem(pem as string);
      } catch (error) {
        throw new ConfigurationError(`trustedRoots: unreadable public key for ${agentId.slice(0, 64)}`, {
          cause: error,
        });
      }
    }
    const existing = map.get(agentId);
    if (existing !== undefined && existing !== null && key !== null && !existing.raw.equals(key.raw)) {
      throw new ConfigurationError(`trustedRoots: two different keys for ${agentId.slice(0, 64)}`);
    }
    map.set(agentId, key ?? existing ?? null);
  }
  return map;
}

/** Build a chain verifier; options are checked here (ConfigurationError), not per chain. */
export function createCapabilityChainVerifier(options: CapabilityVerifierOptions): CapabilityChainVerifier {
  if (typeof options !== 'object' || options === null) throw new ConfigurationError('options are required');
  const trustedRoots = resolveTrustedRoots(options.trustedRoots);
  const env = options.env ?? process.env;
  const { issuanceSkewSeconds: skewSeconds, expiryGraceSeconds: graceSeconds } = resolveClockTolerance(
    options,
    env,
  );
  const maxChainLength = options.maxChainLength ?? DEFAULT_MAX_CHAIN_LENGTH;
  if (!Number.isSafeInteger(maxChainLength) || maxChainLength < 1) {
    throw new ConfigurationError('maxChainLength: a positive integer is required');
  }
  const now = options.now ?? Date.now;
  const { registry, revocations } = options;

  function checkShape(
    chain: readonly DelegationCapability[],
    presenter: string | undefined,
  ): CapabilityChainResult | undefined {
    if (!isList(chain)) return invalid('malformed_chain');
    if (chain.length === 0) return invalid('empty_chain');
    if (chain.length > maxChainLength) return invalid('chain_too_long');
    const nowMs = now();
    let parent: DelegationCapability | undefined;
    let leaf: DelegationCapability | undefined;
    for (const [i, capability] of chain.entries()) {
      if (typeof capability !== 'object' || (capability as unknown) === null)
        return invalid('malformed_chain', i);
      const issuedAt = capability.issued_at;
      const expiresAt = capability.expires_at;
      if (!(issuedAt instanceof Timestamp) || !(expiresAt instanceof Timestamp))
        return invalid('malformed_chain', i, capability);
      if (parent === undefined) {
        if (capability.parent_capability_id !== null) return invalid('root_has_parent', 0, capability);
        if (!trustedRoots.has(capability.issuer_agent)) return invalid('untrusted_root', 0, capability);
      } else {
        const reason = checkCapabilityDerivation(parent, capability);
        if (reason !== undefined) return invalid(reason, i, capability);
      }
      if (issuedAt.isNaive || expiresAt.isNaive) return invalid('naive_timestamp', i, capability);
      if (issuedAt.compare(expiresAt) > 0) return invalid('malformed_time_window', i, capability);
      if (issuedAt.epochMillis - skewSeconds * 1000 > nowMs)
        return invalid('issued_in_future', i, capability);
      if (expiresAt.epochMillis + graceSeconds * 1000 < nowMs) return invalid('expired', i, capability);
      parent = capability;
      leaf = capability;
    }
    if (presenter !== undefined && leaf !== undefined && leaf.subject_agent !== presenter) {
      return invalid('subject_mismatch', chain.length - 1, leaf);
    }
    return undefined;
  }

  // PEM text → key-derived agent id, per verifier and bounded: a SHA-256 per link is avoidable work.
  const derivedIds = new Map<string, string>();
  function selfCertifies(capability: DelegationCapability): boolean {
    let derived = derivedIds.get(capability.public_key);
    if (derived === undefined) {
      derived = agentIdFromPublicKeyPem(capability.public_key);
      if (derivedIds.size >= 4096) derivedIds.clear();
      derivedIds.set(capability.public_key, derived);
    }
    return derived === capability.issuer_agent;
  }

  // The capability's own key, checked against a pinned trusted-root key, or why it is unusable.
  function presentedKey(
    capability: DelegationCapability,
    isRoot: boolean,
  ): ImportedPublicKey | CapabilityChainReason {
    let presented: ImportedPublicKey;
    try {
      presented = importPublicKeyPem(capability.public_key);
    } catch {
      return 'invalid_public_key';
    }
    const pinned = isRoot ? trustedRoots.get(capability.issuer_agent) : undefined;
    if (pinned !== undefined && pinned !== null && !pinned.raw.equals(presented.raw))
      return 'issuer_key_mismatch';
    return presented;
  }

  // Without a registry, a key speaks for its issuer when it is the pinned root key or derives the id.
  function bindWithoutRegistry(
    capability: DelegationCapability,
    isRoot: boolean,
  ): ImportedPublicKey | CapabilityChainReason {
    const presented = presentedKey(capability, isRoot);
    if (typeof presented === 'string') return presented;
    const pinned = isRoot ? trustedRoots.get(capability.issuer_agent) : undefined;
    if (pinned !== undefined && pinned !== null) return presented;
    // Self-certifying id: SPEC §2.5 derives the id from the PEM text, so the key speaks for it.
    return selfCertifies(capability) ? presented : 'issuer_key_unbound';
  }

  // With a registry: registered, not revoked, the same key (and the pinned key, for a pinned root).
  async function bindWithRegistry(
    store: AgentRegistry,
    capability: DelegationCapability,
    isRoot: boolean,
  ): Promise<ImportedPublicKey | CapabilityChainReason> {
    const presented = presentedKey(capability, isRoot);
    if (typeof presented === 'string') return presented;
    try {
      const registered = await store.resolve(capability.issuer_agent);
      if (registered === undefined) return 'issuer_not_registered';
      if (await store.isRevoked(capability.issuer_agent)) return 'issuer_revoked';
      if (!registered.publicKey.raw.equals(presented.raw)) return 'issuer_key_mismatch';
    } catch {
      return 'registry_unavailable';
    }
    return presented;
  }

  async function verify(
    chain: readonly DelegationCapability[],
    verifyOptions: VerifyChainOptions = {},
  ): Promise<CapabilityChainResult> {
    const shape = checkShape(chain, verifyOptions.presenter);
    if (shape !== undefined) return shape;
    for (const [i, capability] of chain.entries()) {
      const key =
        registry === undefined
          ? bindWithoutRegistry(capability, i === 0)
          : await bindWithRegistry(registry, capability, i === 0);
      if (typeof key === 'string') return invalid(key, i, capability);
      const check = checkCapabilitySignature(capability, key);
      if (check !== 'valid')
        return invalid(
          check === 'bad_signature' || check === 'unencodable' ? 'invalid_signature' : check,
          i,
          capability,
        );
    }
    if (revocations !== undefined) {
      for (const [i, capability] of chain.entries()) {
        let revoked: boolean;
        try {
          revoked = await revocations.isRevoked(capability.capability_id);
        } catch {
          return invalid('revocation_store_unavailable', i, capability);
        }
        if (revoked) return invalid('revoked', i, capability);
      }
    }
    return VALID;
  }

  return Object.freeze({
    settings: Object.freeze({
      issuanceSkewSeconds: skewSeconds,
      expiryGraceSeconds: graceSeconds,
      maxChainLength,
      trustedRoots: Object.freeze([...trustedRoots.keys()]),
    }),
    async verify(
      chain: readonly DelegationCapability[],
      verifyOptions?: VerifyChainOptions,
    ): Promise<CapabilityChainResult> {
      try {
        return await verify(chain, verifyOptions);
      } catch {
        // Fields of the wrong type in a hand-built chain; stores are already handled above.
        return invalid('malformed_chain');
      }
    },
  });
}

/** Verify a chain with a verifier created for this call (see {@link createCapabilityChainVerifier}). */
export function verifyCapabilityChain(
  chain: readonly DelegationCapability[],
  options: CapabilityVerifierOptions & VerifyChainOptions,
): Promise<CapabilityChainResult> {
  return createCapabilityChainVerifier(options).verify(
    chain,
    options.presenter === undefined ? {} : { presenter: options.presenter },
  );
}
