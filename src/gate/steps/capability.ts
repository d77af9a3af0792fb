/**
 * The capability step (off unless configured): "this packet is authorized by a capability chain from
 * a trusted root" (SPEC §6, checked by the gate before replay).
 *
 * How the chain travels. The packet's `capability_token` is the leaf: the sender signed it with the
 * rest of the packet, so it cannot be swapped. The capabilities above it travel unsigned beside the
 * packet, in the envelope's `capability_chain`: every token of the chain, root first, ending with
 * exactly the packet's `capability_token` (the same layout as the envelope's delegation `chain`,
 * which ends with the packet). A token that is itself a root needs no `capability_chain`. Every link
 * is verified, so the ancestors may come from anywhere. `attachCapabilityChain` writes the field;
 * `serializeDelegationEnvelope` puts it on the wire.
 *
 * Per packet, first failure wins:
 *  1. a token is present (`capability_required`, unless `required: false`; then a packet without one
 *     passes unchecked, and a `capability_chain` without a token is `capability_chain_mismatch`);
 *  2. the envelope's chain ends with the packet's token (`capability_chain_mismatch`), is no longer
 *     than `maxChainLength`, and every token decodes within `maxTokenLength`
 *     (`capability_token_malformed`);
 *  3. the chain verifies (`CapabilityChainVerifier`): trusted root, derivations, time windows,
 *     the leaf's `subject_agent` is the packet's `from_agent`, issuer keys (registry / pinned /
 *     self-certifying), signatures, revocation of every link — all store lookups of all links at
 *     once, each under `storeTimeoutMs`; a store that fails or misses the deadline is
 *     `capability_store_unavailable` (fail closed);
 *  4. the leaf authorizes the packet's `intent` as the action (`capability_action_not_authorized`).
 * On success the verified chain is on the context (`ctx.capabilities`) and on the ACCEPT.
 */
import { ConfigurationError } from '../../errors.js';
import type { EventPort } from '../../events/types.js';
import type { SignatureBackend } from '../../identity/signature-backend.js';
import { boundedMemo } from '../../lib/bounded-memo.js';
import { authorizeAction } from '../../capability/authorize.js';
import {
  CapabilityChainVerifier,
  DEFAULT_CHAIN_STORE_TIMEOUT_MS,
  DEFAULT_MAX_CHAIN_LENGTH,
  type CapabilityChainReason,
  type CapabilityChainVerdict,
  type CapabilityChainVerifierOptions,
  type TrustedRoot,
} from '../../capability/chain.js';
import {
  DEFAULT_MAX_TOKEN_LENGTH,
  parseCapabilityToken,
  serializeCapabilityToken,
} from '../../capability/token.js';
import type { DelegationCapability } from '../../capability/types.js';
import type { AgentRegistry, RevocationStore } from '../../stores/types.js';
import type { GateEnvelope, GateStep, HandoffContext, StepRejection, StepResult } from '../context.js';

/** The capability step's REJECT reasons. Stable strings: match on them, never on messages. */
export interface CapabilityReasonStrings {
  /** The packet carries no `capability_token` and the step is `required` (the default). */
  readonly required: 'capability_required';
  /** A token (the packet's, or one in `capability_chain`) does not decode, or is too long. */
  readonly tokenMalformed: 'capability_token_malformed';
  /** `capability_chain` does not end with the packet's token, is empty, or comes without a token. */
  readonly chainMismatch: 'capability_chain_mismatch';
  /** The chain's root is not issued by a configured trusted root. */
  readonly untrustedRoot: 'capability_untrusted_root';
  /** The leaf's `subject_agent` is not the packet's `from_agent`. */
  readonly subjectMismatch: 'capability_subject_mismatch';
  /** A link's `expires_at` (plus grace) has passed. */
  readonly expired: 'capability_expired';
  /** A link's `issued_at` is further in the future than the tolerated skew. */
  readonly notYetValid: 'capability_not_yet_valid';
  /** A link's signature does not verify (or its signature, key or algorithm is unreadable). */
  readonly invalidSignature: 'capability_invalid_signature';
  /** A link's key does not speak for its issuer (not registered, another key, unbound name). */
  readonly issuerUnbound: 'capability_issuer_unbound';
  /** A link's capability id is revoked, or its issuer is revoked in the registry. */
  readonly revoked: 'capability_revoked';
  /** Any other chain failure (derivation, layout, length, timestamps); `details.chain_reason` says which. */
  readonly chainInvalid: 'capability_chain_invalid';
  /** The leaf does not authorize the packet's `intent` (`details.detail`: the authorization reason). */
  readonly actionNotAuthorized: 'capability_action_not_authorized';
  /** The registry or revocation store failed or missed its deadline: fail closed. */
  readonly storeUnavailable: 'capability_store_unavailable';
}

export const CAPABILITY_REASONS: CapabilityReasonStrings = Object.freeze({
  required: 'capability_required',
  tokenMalformed: 'capability_token_malformed',
  chainMismatch: 'capability_chain_mismatch',
  untrustedRoot: 'capability_untrusted_root',
  subjectMismatch: 'capability_subject_mismatch',
  expired: 'capability_expired',
  notYetValid: 'capability_not_yet_valid',
  invalidSignature: 'capability_invalid_signature',
  issuerUnbound: 'capability_issuer_unbound',
  revoked: 'capability_revoked',
  chainInvalid: 'capability_chain_invalid',
  actionNotAuthorized: 'capability_action_not_authorized',
  storeUnavailable: 'capability_store_unavailable',
});

/** Every reason the capability step rejects with (fold into the gate's `RejectReason`). */
export type CapabilityStepReason = CapabilityReasonStrings[keyof CapabilityReasonStrings];

export interface CapabilityStepOptions {
  /** Agents allowed to issue root capabilities: agent ids or `{agentId, publicKeyPem?}`. Required, non-empty. */
  readonly trustedRoots: readonly TrustedRoot[];
  /**
   * Binds each issuer to its key (registered, not revoked, same key). Without it an issuer's key is
   * bound only by a pinned trusted-root key or a self-certifying agent id (as the chain verifier).
   */
  readonly registry?: AgentRegistry;
  /** Revoked capability ids; any revoked link rejects. */
  readonly revocationStore?: RevocationStore;
  /** Clock in epoch milliseconds (default `Date.now`); pass the gate's. */
  readonly now?: () => number;
  /** Tolerated skew for a link's `issued_at`, seconds (default env `TRUSTHANDOFF_ISSUANCE_SKEW` or 30). */
  readonly issuanceSkewSeconds?: number;
  /** Grace after a link's `expires_at`, seconds (default env `TRUSTHANDOFF_EXPIRY_GRACE` or 0). */
  readonly expiryGraceSeconds?: number;
  /** Environment for those defaults (default `process.env`), read once here. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Longest chain accepted, root and leaf included (default 16). */
  readonly maxChainLength?: number;
  /** Longest token accepted, characters (default 16,384). */
  readonly maxTokenLength?: number;
  /**
   * Whether every packet must carry a capability token (default true). With false, only packets that
   * carry one are checked.
   */
  readonly required?: boolean;
  /** Deadline for each registry / revocation-store call, ms (default 2000). */
  readonly storeTimeoutMs?: number;
  /** Where the chain verifier's `capability_chain_verified` / `capability_chain_rejected` go. */
  readonly events?: EventPort;
  /** Where the links' signatures are verified (default node:crypto; same verdict on every backend). */
  readonly signatureBackend?: SignatureBackend;
}

const REQUIRED: StepRejection = Object.freeze({ reason: CAPABILITY_REASONS.required });
const CHAIN_WITHOUT_TOKEN: StepRejection = Object.freeze({
  reason: CAPABILITY_REASONS.chainMismatch,
  details: Object.freeze({ detail: 'chain_without_token' }),
});
const CHAIN_NOT_ENDING_WITH_TOKEN: StepRejection = Object.freeze({
  reason: CAPABILITY_REASONS.chainMismatch,
  details: Object.freeze({ detail: 'last_token_differs' }),
});
const DECODED_TOKENS = 1024;
// A typical token is about 900 characters; longer ones are decoded every time and never kept, so the
// memo stays a few MB however hostile the traffic.
const MEMO_MAX_TOKEN_LENGTH = 4096;

// Chain verifier reasons → the step's reasons; anything not listed is `capability_chain_invalid`.
const CHAIN_REASONS: Readonly<Partial<Record<CapabilityChainReason, CapabilityStepReason>>> = Object.freeze({
  untrusted_root: CAPABILITY_REASONS.untrustedRoot,
  subject_mismatch: CAPABILITY_REASONS.subjectMismatch,
  expired: CAPABILITY_REASONS.expired,
  issued_in_future: CAPABILITY_REASONS.notYetValid,
  invalid_signature: CAPABILITY_REASONS.invalidSignature,
  malformed_signature: CAPABILITY_REASONS.invalidSignature,
  invalid_public_key: CAPABILITY_REASONS.invalidSignature,
  unsupported_signature_algo: CAPABILITY_REASONS.invalidSignature,
  issuer_not_registered: CAPABILITY_REASONS.issuerUnbound,
  issuer_key_mismatch: CAPABILITY_REASONS.issuerUnbound,
  issuer_key_unbound: CAPABILITY_REASONS.issuerUnbound,
  issuer_revoked: CAPABILITY_REASONS.revoked,
  revoked: CAPABILITY_REASONS.revoked,
  registry_unavailable: CAPABILITY_REASONS.storeUnavailable,
  revocation_store_unavailable: CAPABILITY_REASONS.storeUnavailable,
});

function chainFailure(result: Extract<CapabilityChainVerdict, { ok: false }>): StepRejection {
  const chainReason = result.reason;
  return {
    reason: CHAIN_REASONS[chainReason] ?? CAPABILITY_REASONS.chainInvalid,
    details: {
      chain_reason: chainReason,
      index: result.details?.['index'] ?? null,
      capability_id: result.details?.['capability_id'] ?? null,
    },
  };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1)
    throw new ConfigurationError(`${name}: a positive integer is required`);
  return v;
}

export function capabilityStep(options: CapabilityStepOptions): GateStep {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('capability step options are required');
  const required = options.required ?? true;
  if (typeof required !== 'boolean') throw new ConfigurationError('required must be a boolean');
  const maxChainLength = positiveInteger('maxChainLength', options.maxChainLength, DEFAULT_MAX_CHAIN_LENGTH);
  const maxTokenLength = positiveInteger('maxTokenLength', options.maxTokenLength, DEFAULT_MAX_TOKEN_LENGTH);
  const verifierOptions: {
    -readonly [K in keyof CapabilityChainVerifierOptions]: CapabilityChainVerifierOptions[K];
  } = {
    trustedRoots: options.trustedRoots,
    maxChainLength,
    storeTimeoutMs: options.storeTimeoutMs ?? DEFAULT_CHAIN_STORE_TIMEOUT_MS,
  };
  if (options.registry !== undefined) verifierOptions.registry = options.registry;
  if (options.revocationStore !== undefined) verifierOptions.revocationStore = options.revocationStore;
  if (options.now !== undefined) verifierOptions.now = options.now;
  if (options.signatureBackend !== undefined) verifierOptions.signatureBackend = options.signatureBackend;
  if (options.issuanceSkewSeconds !== undefined)
    verifierOptions.issuanceSkewSeconds = options.issuanceSkewSeconds;
  if (options.expiryGraceSeconds !== undefined)
    verifierOptions.expiryGraceSeconds = options.expiryGraceSeconds;
  if (options.env !== undefined) verifierOptions.env = options.env;
  if (options.events !== undefined) verifierOptions.events = options.events;
  // Checks trustedRoots, the clock tolerances, the deadline and the port (ConfigurationError).
  const verifier = new CapabilityChainVerifier(verifierOptions);

  // Tokens are reused by many packets: each is decoded once per step (bounded; a decoded capability
  // is frozen). A token that does not decode throws inside the memo, which then keeps nothing.
  const memoKeyLength = Math.min(maxTokenLength, MEMO_MAX_TOKEN_LENGTH);
  const decodeMemo = boundedMemo(DECODED_TOKENS, memoKeyLength, (token) =>
    parseCapabilityToken(token, { maxTokenLength }),
  );
  const decode = (token: string): DelegationCapability | undefined => {
    try {
      return decodeMemo(token);
    } catch {
      return undefined;
    }
  };

  return {
    name: 'capability',
    check(ctx: HandoffContext): StepResult | Promise<StepResult> {
      const packet = ctx.packet;
      const token = packet.capability_token;
      const carried = ctx.envelope.capability_chain;
      if (token === null) {
        if (required) return REQUIRED;
        return carried === undefined ? undefined : CHAIN_WITHOUT_TOKEN;
      }
      const tokens = carried ?? [token];
      if (tokens.length === 0 || tokens[tokens.length - 1] !== token) return CHAIN_NOT_ENDING_WITH_TOKEN;
      if (tokens.length > maxChainLength) {
        return {
          reason: CAPABILITY_REASONS.chainInvalid,
          details: {
            chain_reason: 'chain_too_long',
            length: tokens.length,
            max_chain_length: maxChainLength,
          },
        };
      }
      const chain: DelegationCapability[] = [];
      for (const [index, text] of tokens.entries()) {
        const capability = text.length > maxTokenLength ? undefined : decode(text);
        if (capability === undefined)
          return { reason: CAPABILITY_REASONS.tokenMalformed, details: { index, length: text.length } };
        chain.push(capability);
      }
      return verifier.verify(chain, { presenter: packet.from_agent }).then((result): StepResult => {
        if (!result.ok) return chainFailure(result);
        const leaf = result.leaf;
        const authorization = authorizeAction(leaf, packet.intent);
        if (!authorization.ok) {
          return {
            reason: CAPABILITY_REASONS.actionNotAuthorized,
            details: {
              action: packet.intent,
              detail: authorization.reason,
              capability_id: leaf.capability_id,
            },
          };
        }
        ctx.capabilities = result.chain;
        return undefined;
      });
    },
  };
}

/**
 * The envelope with its capability chain attached (sender side): `chain` is the packet's capability
 * chain, root first, whose leaf is the packet's `capability_token`. Throws ConfigurationError when the
 * packet carries no token or another one than the chain's leaf.
 */
export function attachCapabilityChain(
  envelope: GateEnvelope,
  chain: readonly DelegationCapability[],
): GateEnvelope {
  const tokens = chain.map((capability) => serializeCapabilityToken(capability));
  const leaf = tokens[tokens.length - 1];
  if (leaf === undefined || envelope.packet.capability_token !== leaf) {
    throw new ConfigurationError("the chain's leaf must be the packet's capability_token");
  }
  return Object.freeze({ ...envelope, capability_chain: Object.freeze(tokens) });
}
