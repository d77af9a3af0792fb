/**
 * Derivation (SPEC §6): the parent's subject grants part of its authority to another agent, signing the
 * child with its OWN key (the reference copies the parent's `public_key` into the child, so a child
 * never verifies against its real issuer). A derivation that would widen authority is refused before
 * anything is signed.
 */
import { CapabilityDerivationError, type CapabilityDerivationReason } from '../errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { permissionWidening } from '../lib/permissions.js';
import type { Constraints, Permissions } from '../packet/types.js';
import { Timestamp } from '../wire/timestamp.js';
import { createCapability, type CapabilityInput } from './create.js';
import { signCapability } from './sign.js';
import type { CapabilityDraft, DelegationCapability } from './types.js';
import { isExpired } from '../lib/time-window.js';

/** The reasons a parent/child pair is not a valid derivation (SPEC §6, plus the unlimited-budget rule). */
export type DerivationCheckReason = Exclude<
  CapabilityDerivationReason,
  'constraints_widened' | 'parent_expired'
>;

/**
 * SPEC §6: child issuer = parent subject; child `parent_capability_id` = parent id; child expiry ≤
 * parent expiry; child actions ⊆ parent actions; child budget ≤ parent budget. Stricter than the
 * reference: an unlimited child budget (null) under a limited parent is a widening.
 * Returns the first violated rule, or undefined for a valid derivation.
 */
export function checkCapabilityDerivation(
  parent: CapabilityDraft,
  child: CapabilityDraft,
): DerivationCheckReason | undefined {
  if (child.issuer_agent !== parent.subject_agent) return 'issuer_not_parent_subject';
  if (child.parent_capability_id !== parent.capability_id) return 'parent_link_mismatch';
  const widening = permissionWidening(child.delegated_permissions, parent.delegated_permissions);
  if (widening !== undefined) return widening;
  if (child.expires_at.compare(parent.expires_at) > 0) return 'outlives_parent';
  return undefined;
}

export interface DeriveCapabilityInput {
  readonly subject_agent: string;
  /** Default: the parent's permissions (the child may only narrow them). */
  readonly delegated_permissions?: Partial<Permissions>;
  /** Default: the parent's constraints. Given ones may only tighten the parent's. */
  readonly constraints?: Partial<Constraints> | null;
  /** Default: a random UUID. */
  readonly capability_id?: string;
  /** Default: now. */
  readonly issued_at?: Timestamp | Date | string;
  /** Default: the parent's expiry. */
  readonly expires_at?: Timestamp | Date | string;
  /**
   * Default: the deriving identity's agent id. Set it only when agents are known by registered names
   * rather than key-derived ids; it must still be the parent's subject.
   */
  readonly issuer_agent?: string;
  /** Default: the parent's id. Anything else is refused (`parent_link_mismatch`). */
  readonly parent_capability_id?: string | null;
}

export interface DeriveCapabilityOptions {
  /** Clock in epoch milliseconds (default `Date.now`): the default `issued_at`, and the parent's expiry. */
  readonly now?: () => number;
}

/**
 * Derive and sign a child of `parent` as `identity` (the parent's subject). Throws
 * CapabilityDerivationError (with a stable `reason`) when the child would widen the parent's authority,
 * is not linked to it, or the parent has expired; PayloadValidationError for malformed input.
 */
export function deriveCapability(
  parent: DelegationCapability,
  identity: AgentIdentity,
  input: DeriveCapabilityInput,
  options: DeriveCapabilityOptions = {},
): DelegationCapability {
  const now = options.now ?? Date.now;
  const nowMs = now();
  if (isExpired(parent.expires_at.epochMillis, nowMs, 0))
    throw new CapabilityDerivationError('parent_expired');
  const childInput: CapabilityInput = {
    issuer_agent: input.issuer_agent ?? identity.agentId,
    subject_agent: input.subject_agent,
    delegated_permissions: input.delegated_permissions ?? parent.delegated_permissions,
    constraints: input.constraints === undefined ? parent.constraints : input.constraints,
    issued_at: input.issued_at ?? Timestamp.fromEpochMillis(nowMs),
    expires_at: input.expires_at ?? parent.expires_at,
    parent_capability_id:
      input.parent_capability_id === undefined ? parent.capability_id : input.parent_capability_id,
    ...(input.capability_id === undefined ? {} : { capability_id: input.capability_id }),
  };
  const child = createCapability(childInput, { now });
  const reason: CapabilityDerivationReason | undefined =
    checkCapabilityDerivation(parent, child) ??
    (constraintsWidened(parent.constraints, child.constraints) ? 'constraints_widened' : undefined);
  if (reason !== undefined) throw new CapabilityDerivationError(reason);
  return signCapability(child, identity);
}

/**
 * Constraints are not part of SPEC §6 derivation validity (the reference drops them when deriving, and
 * verifiers accept that), but this library never signs a child that loosens them.
 */
function constraintsWidened(parent: Constraints | null, child: Constraints | null): boolean {
  if (parent === null) return false;
  if (child === null) {
    return (
      parent.max_runtime_seconds !== null ||
      parent.data_boundary !== null ||
      parent.requires_human_review === true
    );
  }
  if (parent.max_runtime_seconds !== null) {
    if (child.max_runtime_seconds === null || child.max_runtime_seconds > parent.max_runtime_seconds)
      return true;
  }
  if (parent.data_boundary !== null && child.data_boundary !== parent.data_boundary) return true;
  if (parent.requires_human_review === true && child.requires_human_review !== true) return true;
  return false;
}
