/**
 * Capability chains (SPEC §6), root first, leaf last.
 *
 * {@link validateCapabilityChain} is the SPEC's structural rule (every consecutive pair is a valid
 * derivation). {@link CapabilityChainVerifier} is what a verifier should use: stricter than the
 * reference, which skips every signature when no registry is passed, it always checks
 *  - the chain's shape: not empty, bounded length, root without a parent, root issued by a configured
 *    trusted root, every pair a valid derivation;
 *  - every link's time window against the clock (not only against its parent);
 *  - the leaf's subject against the agent presenting the chain, when that agent is named;
 *  - every link's issuer key binding (registry, a pinned root key, or a self-certifying agent id) and
 *    its Ed25519 signature;
 *  - revocation of every link.
 * Cheap checks run first, so unauthenticated junk never reaches a store: the shape, the time windows
 * and every link's signature (against the key the link presents) are checked locally; only a chain
 * whose links are all signed by the keys they present is looked up. The lookups of all links then run
 * at once — the registry's `resolve` and `isRevoked` for every issuer and the revocation store's
 * `isRevoked` for every capability id — each under a deadline, so a chain costs one round trip and a
 * store that hangs costs at most `storeTimeoutMs`. Results are then read in chain order, so the
 * reported reason is the one a link-by-link walk would report.
 */
import { ConfigurationError, StoreUnavailableError } from '../errors.js';
import type { EventPort } from '../events/types.js';
import { agentIdFromPublicKeyPem } from '../identity/agent-id.js';
import { sameKey } from '../identity/key-binding.js';
import { MAX_PEM_LENGTH, parsePublicKeyPem, type PublicKey } from '../identity/keys.js';
import { boundedMemo } from '../lib/bounded-memo.js';
import type { AgentRegistry, RevocationStore } from '../stores/types.js';
import { Timestamp } from '../wire/timestamp.js';
import { checkCapabilityDerivation, type DerivationCheckReason } from './derive.js';
import type { DelegationCapability } from './types.js';
import { checkCapabilitySignature } from './verify.js';
import { checkSignatureBackend, type SignatureBackend } from '../identity/signature-backend.js';
import { resolveClockTolerance } from '../settings.js';
import { attempt, withDeadline } from '../lib/deadline.js';
import type { RegisteredAgent } from '../stores/types.js';
import type { Verdict } from '../lib/verdict.js';
import { isExpired, isIssuedInFuture } from '../lib/time-window.js';

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

/**
 * A chain's verdict. Accepted: the verified chain (root first, a frozen copy of what was checked) and
 * its leaf. Refused: the reason and, when one link is to blame, `details.index` (0 = root) and
 * `details.capability_id`.
 */
export type CapabilityChainVerdict = Verdict<
  CapabilityChainReason,
  { readonly chain: readonly DelegationCapability[]; readonly leaf: DelegationCapability }
>;

// Internal: the checks answer undefined for "no failure"; the verdict is built once, at the end.
const VALID = undefined;
type ChainFailure = Extract<CapabilityChainVerdict, { ok: false }>;
type ChainCheck = ChainFailure | typeof VALID;

function invalid(
  reason: CapabilityChainReason,
  index?: number,
  capability?: DelegationCapability,
): ChainFailure {
  const details: { index?: number; capability_id?: string } = {};
  if (index !== undefined) details.index = index;
  if (capability !== undefined && typeof capability.capability_id === 'string')
    details.capability_id = capability.capability_id;
  return index === undefined
    ? Object.freeze({ ok: false, reason })
    : Object.freeze({ ok: false, reason, details: Object.freeze(details) });
}

function accepted(chain: readonly DelegationCapability[]): CapabilityChainVerdict {
  return Object.freeze({ ok: true, chain, leaf: chain[chain.length - 1]! });
}

/**
 * SPEC §6 structural validity: every consecutive pair is a valid derivation. Stricter than the
 * reference in two ways: an empty chain is invalid, and an unlimited budget under a limited parent is
 * a widening. Checks no signature, key, clock or revocation: use a verifier for that.
 */
export function validateCapabilityChain(chain: readonly DelegationCapability[]): CapabilityChainVerdict {
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
  return accepted(Object.freeze([...chain]));
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

export interface CapabilityChainVerifierOptions {
  /** Agents allowed to issue root capabilities. Required and non-empty: a chain must start somewhere trusted. */
  readonly trustedRoots: readonly TrustedRoot[];
  /**
   * Binds each issuer to its key: registered, not revoked, same key. Without a registry an issuer's key
   * is bound only by a pinned trusted-root key or a self-certifying agent id (SPEC §2.5 id derived from
   * the capability's `public_key`); names that are not derived from keys then fail (`issuer_key_unbound`).
   */
  readonly registry?: AgentRegistry;
  /** Revoked capability ids; any revoked link fails the chain. */
  readonly revocationStore?: RevocationStore;
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
  /**
   * Deadline for each registry / revocation-store call, ms (default 2000). A call that misses it
   * fails the chain as `registry_unavailable` / `revocation_store_unavailable` (fail closed). Stores
   * that live in this process (`inProcess`) or bound their own calls no longer than this get no timer.
   */
  readonly storeTimeoutMs?: number;
  /** Where `capability_chain_verified` / `capability_chain_rejected` go. Without one, nothing is emitted. */
  readonly events?: EventPort;
  /** Where the links' signatures are verified (default node:crypto; same verdict on every backend). */
  readonly signatureBackend?: SignatureBackend;
}

export interface VerifyChainOptions {
  /**
   * The agent presenting the chain: the leaf's `subject_agent` must be this agent. Without it the
   * chain is a bearer credential: whoever holds it can present it.
   */
  readonly presenter?: string;
}

/** The settings a chain verifier resolved at construction (options, environment, defaults). */
export interface CapabilityChainVerifierSettings {
  readonly issuanceSkewSeconds: number;
  readonly expiryGraceSeconds: number;
  readonly maxChainLength: number;
  readonly trustedRoots: readonly string[];
}

interface ChainVerifierParts {
  verify(
    chain: readonly DelegationCapability[],
    options?: VerifyChainOptions,
  ): Promise<CapabilityChainVerdict>;
  readonly settings: CapabilityChainVerifierSettings;
}

export const DEFAULT_MAX_CHAIN_LENGTH = 16;
/** The default of {@link CapabilityChainVerifierOptions.storeTimeoutMs}. */
export const DEFAULT_CHAIN_STORE_TIMEOUT_MS = 2000;

// A store lookup settled: its value, or FAILED (an error, a thrown call or a missed deadline).
const FAILED: unique symbol = Symbol('failed');
type Lookup<T> = T | typeof FAILED;

// What the registry says about one issuer: both calls were made together.
interface IssuerLookup {
  readonly agent: Lookup<RegisteredAgent | undefined>;
  readonly revoked: Lookup<boolean>;
}

/**
 * `call()` bounded by `timeoutMs`, settled to its value or FAILED; never rejects. A store that lives
 * in this process, or that bounds its own calls no longer than the deadline, gets no timer.
 */
function lookup<T>(
  store: { readonly inProcess?: boolean; readonly commandTimeoutMs?: number },
  timeoutMs: number,
  call: () => Promise<T>,
): Promise<Lookup<T>> {
  const pending = attempt(call, storeError);
  const own = store.commandTimeoutMs;
  const bounded =
    store.inProcess === true || (typeof own === 'number' && own > 0 && own <= timeoutMs)
      ? pending
      : withDeadline(pending, timeoutMs, deadlineMissed, storeError);
  return bounded.then(
    (value) => value,
    () => FAILED,
  );
}

function storeError(error: unknown): Error {
  return error instanceof Error ? error : new StoreUnavailableError('store call failed');
}

function deadlineMissed(): Error {
  return new StoreUnavailableError('store call missed its deadline');
}

function resolveTrustedRoots(roots: readonly TrustedRoot[] | undefined): Map<string, PublicKey | null> {
  if (!Array.isArray(roots) || roots.length === 0) {
    throw new ConfigurationError('trustedRoots: at least one trusted root agent is required');
  }
  const map = new Map<string, PublicKey | null>();
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
    let key: PublicKey | null = null;
    if (pem !== undefined) {
      try {
        key = parsePublicKeyPem(pem as string);
      } catch (error) {
        throw new ConfigurationError(`trustedRoots: unreadable public key for ${agentId.slice(0, 64)}`, {
          cause: error,
        });
      }
    }
    const existing = map.get(agentId);
    if (existing !== undefined && existing !== null && key !== null && !sameKey(existing, key)) {
      throw new ConfigurationError(`trustedRoots: two different keys for ${agentId.slice(0, 64)}`);
    }
    map.set(agentId, key ?? existing ?? null);
  }
  return map;
}

// The verifier's body: options are checked here (ConfigurationError), not per chain.
function buildChainVerifier(options: CapabilityChainVerifierOptions): ChainVerifierParts {
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
  const { registry, revocationStore: revocations } = options;
  const storeTimeoutMs = options.storeTimeoutMs ?? DEFAULT_CHAIN_STORE_TIMEOUT_MS;
  if (typeof storeTimeoutMs !== 'number' || !(storeTimeoutMs > 0) || storeTimeoutMs === Infinity) {
    throw new ConfigurationError('storeTimeoutMs: a finite number of milliseconds > 0 is required');
  }
  const events = options.events;
  if (events !== undefined && (events === null || typeof events.emit !== 'function')) {
    throw new ConfigurationError('events must be an EventPort (an object with emit)');
  }
  const backend = checkSignatureBackend(options.signatureBackend, 'capability chain verifier');

  function checkShape(chain: readonly DelegationCapability[], presenter: string | undefined): ChainCheck {
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
      if (isIssuedInFuture(issuedAt.epochMillis, nowMs, skewSeconds * 1000))
        return invalid('issued_in_future', i, capability);
      if (isExpired(expiresAt.epochMillis, nowMs, graceSeconds * 1000))
        return invalid('expired', i, capability);
      parent = capability;
      leaf = capability;
    }
    if (presenter !== undefined && leaf !== undefined && leaf.subject_agent !== presenter) {
      return invalid('subject_mismatch', chain.length - 1, leaf);
    }
    return undefined;
  }

  // PEM text → key-derived agent id, per verifier and bounded: a SHA-256 per link is avoidable work.
  const derivedId = boundedMemo(4096, MAX_PEM_LENGTH, agentIdFromPublicKeyPem);
  function selfCertifies(capability: DelegationCapability): boolean {
    return derivedId(capability.public_key) === capability.issuer_agent;
  }

  // The capability's own key, checked against a pinned trusted-root key, or why it is unusable.
  function presentedKey(
    capability: DelegationCapability,
    isRoot: boolean,
  ): PublicKey | CapabilityChainReason {
    let presented: PublicKey;
    try {
      presented = parsePublicKeyPem(capability.public_key);
    } catch {
      return 'invalid_public_key';
    }
    const pinned = isRoot ? trustedRoots.get(capability.issuer_agent) : undefined;
    if (pinned !== undefined && pinned !== null && !sameKey(pinned, presented)) return 'issuer_key_mismatch';
    return presented;
  }

  // Without a registry, a key speaks for its issuer when it is the pinned root key or derives the id.
  function bindWithoutRegistry(
    capability: DelegationCapability,
    isRoot: boolean,
  ): PublicKey | CapabilityChainReason {
    const presented = presentedKey(capability, isRoot);
    if (typeof presented === 'string') return presented;
    const pinned = isRoot ? trustedRoots.get(capability.issuer_agent) : undefined;
    if (pinned !== undefined && pinned !== null) return presented;
    // Self-certifying id: SPEC §2.5 derives the id from the PEM text, so the key speaks for it.
    return selfCertifies(capability) ? presented : 'issuer_key_unbound';
  }

  // The registry's answer for a link, read in the order a link-by-link walk would ask.
  function registryBinding(found: IssuerLookup, presented: PublicKey): CapabilityChainReason | undefined {
    if (found.agent === FAILED) return 'registry_unavailable';
    if (found.agent === undefined) return 'issuer_not_registered';
    if (found.revoked === FAILED) return 'registry_unavailable';
    if (found.revoked) return 'issuer_revoked';
    // Revocation is read before the key compare (the walk's order), so this is sameKey rather than
    // bindPresentedKey, which answers not_registered / key_mismatch only.
    try {
      if (!sameKey(found.agent.publicKey, presented)) return 'issuer_key_mismatch';
    } catch {
      // A registry that answers with something other than a registered agent cannot be trusted.
      return 'registry_unavailable';
    }
    return undefined;
  }

  async function verify(
    chain: readonly DelegationCapability[],
    verifyOptions: VerifyChainOptions = {},
  ): Promise<ChainCheck> {
    const shape = checkShape(chain, verifyOptions.presenter);
    if (shape !== undefined) return shape;
    // Local: each link's key (pinned or self-certifying without a registry) and its signature. Links
    // before the first local failure are signed by the keys they present; only those are looked up.
    const keys: PublicKey[] = [];
    let localFailure: ChainCheck;
    for (const [i, capability] of chain.entries()) {
      const key =
        registry === undefined ? bindWithoutRegistry(capability, i === 0) : presentedKey(capability, i === 0);
      if (typeof key === 'string') {
        localFailure = invalid(key, i, capability);
        break;
      }
      const check = checkCapabilitySignature(capability, key, backend);
      if (check !== 'valid') {
        localFailure = invalid(
          check === 'bad_signature' || check === 'unencodable' ? 'invalid_signature' : check,
          i,
          capability,
        );
        break;
      }
      keys.push(key);
    }
    // Revocation is only read for a chain that passed everything else, so only then is it asked.
    const checkRevocations = revocations !== undefined && localFailure === undefined;
    if (registry === undefined && !checkRevocations) return localFailure ?? VALID;

    // All lookups at once; an issuer that signs two links is asked once.
    const issuers = new Map<string, Promise<IssuerLookup>>();
    const bindings: Promise<IssuerLookup>[] = [];
    if (registry !== undefined) {
      for (let i = 0; i < keys.length; i++) {
        const issuer = chain[i]!.issuer_agent;
        let pending = issuers.get(issuer);
        if (pending === undefined) {
          const agent = lookup(registry, storeTimeoutMs, () => registry.resolve(issuer));
          const revoked = lookup(registry, storeTimeoutMs, () => registry.isRevoked(issuer));
          pending = Promise.all([agent, revoked]).then(([a, r]) => ({ agent: a, revoked: r }));
          issuers.set(issuer, pending);
        }
        bindings.push(pending);
      }
    }
    const revoked: Promise<Lookup<boolean>>[] = [];
    if (checkRevocations) {
      for (const capability of chain)
        revoked.push(
          lookup(revocations, storeTimeoutMs, () => revocations.isRevoked(capability.capability_id)),
        );
    }
    const [bound, revokedLinks] = await Promise.all([Promise.all(bindings), Promise.all(revoked)]);

    for (const [i, found] of bound.entries()) {
      const reason = registryBinding(found, keys[i]!);
      if (reason !== undefined) return invalid(reason, i, chain[i]);
    }
    if (localFailure !== undefined) return localFailure;
    for (const [i, isRevoked] of revokedLinks.entries()) {
      if (isRevoked === FAILED) return invalid('revocation_store_unavailable', i, chain[i]);
      if (isRevoked) return invalid('revoked', i, chain[i]);
    }
    return VALID;
  }

  // Events are observability: a port that throws never changes a verdict.
  function report(chain: readonly DelegationCapability[], result: CapabilityChainVerdict): void {
    if (events === undefined) return;
    try {
      if (result.ok) {
        const leaf = chain[chain.length - 1]!;
        events.emit('capability_chain_verified', {
          capability_id: leaf.capability_id,
          issuer_agent: leaf.issuer_agent,
          subject_agent: leaf.subject_agent,
          depth: chain.length,
        });
        return;
      }
      const index = result.details?.['index'];
      const capabilityId = result.details?.['capability_id'];
      const link = typeof index !== 'number' || !isList(chain) ? undefined : (chain[index] as unknown);
      const issuer =
        typeof link === 'object' && link !== null ? (link as { issuer_agent?: unknown }).issuer_agent : null;
      events.emit('capability_chain_rejected', {
        capability_id: typeof capabilityId === 'string' ? capabilityId : null,
        issuer_agent: typeof issuer === 'string' ? issuer : null,
        reason: result.reason,
      });
    } catch {
      // Nothing to do: the verdict stands.
    }
  }

  return Object.freeze({
    settings: Object.freeze({
      issuanceSkewSeconds: skewSeconds,
      expiryGraceSeconds: graceSeconds,
      maxChainLength,
      trustedRoots: Object.freeze([...trustedRoots.keys()]),
    }),
    async verify(
      input: readonly DelegationCapability[],
      verifyOptions?: VerifyChainOptions,
    ): Promise<CapabilityChainVerdict> {
      // The links are read from our own copy: the caller's array may change while stores answer, and
      // the verdict's chain is exactly what was checked.
      const chain = isList(input) ? Object.freeze([...input]) : input;
      let result: CapabilityChainVerdict;
      try {
        result = (await verify(chain, verifyOptions)) ?? accepted(chain);
      } catch {
        // Fields of the wrong type in a hand-built chain; stores are already handled above.
        result = invalid('malformed_chain');
      }
      report(chain, result);
      return result;
    },
  });
}

/**
 * Verifies capability chains against trusted roots (see the module comment for what is checked).
 * Options are checked at construction (ConfigurationError); `verify` never throws and never rejects.
 */
export class CapabilityChainVerifier {
  readonly #parts: ChainVerifierParts;

  constructor(options: CapabilityChainVerifierOptions) {
    this.#parts = buildChainVerifier(options);
  }

  /** What the verifier resolved from its options and environment. */
  get settings(): CapabilityChainVerifierSettings {
    return this.#parts.settings;
  }

  /** The chain's verdict: `{ ok: true, chain, leaf }` or `{ ok: false, reason, details? }`. */
  verify(
    chain: readonly DelegationCapability[],
    options?: VerifyChainOptions,
  ): Promise<CapabilityChainVerdict> {
    return this.#parts.verify(chain, options);
  }
}

/** Verify a chain with a verifier built for this call (see {@link CapabilityChainVerifier}). */
export function verifyCapabilityChain(
  chain: readonly DelegationCapability[],
  options: CapabilityChainVerifierOptions & VerifyChainOptions,
): Promise<CapabilityChainVerdict> {
  return new CapabilityChainVerifier(options).verify(
    chain,
    options.presenter === undefined ? {} : { presenter: options.presenter },
  );
}
