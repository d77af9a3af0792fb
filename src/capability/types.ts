/**
 * SPEC §3 DelegationCapability. Field names are the wire's snake_case: they are signed data. Every field
 * is present after creation or decoding (absent optionals are null), so what you read is what was signed.
 */
import type { Constraints, Permissions } from '../packet/types.js';
import type { Timestamp } from '../wire/timestamp.js';

/** A capability before signing: everything but `signature` and `public_key`. */
export interface CapabilityDraft {
  readonly capability_id: string;
  /** The agent that grants the authority (and signs it). */
  readonly issuer_agent: string;
  /** The agent that receives the authority and may use or derive it. */
  readonly subject_agent: string;
  readonly delegated_permissions: Permissions;
  readonly constraints: Constraints | null;
  readonly issued_at: Timestamp;
  readonly expires_at: Timestamp;
  /** The capability this one was derived from; null for a root capability. */
  readonly parent_capability_id: string | null;
  readonly signature_algo: 'Ed25519';
}

export interface DelegationCapability extends CapabilityDraft {
  /** SPKI PEM of the issuer's key. Self-reported: bound to `issuer_agent` by a registry or a self-certifying id. */
  readonly public_key: string;
  /** Standard base64 (with padding) of the Ed25519 signature over the SPEC §2.3 canonical bytes. */
  readonly signature: string;
}

/** The capability fields in the reference model's declaration order. */
export const CAPABILITY_FIELDS = [
  'capability_id',
  'issuer_agent',
  'subject_agent',
  'delegated_permissions',
  'constraints',
  'issued_at',
  'expires_at',
  'parent_capability_id',
  'signature_algo',
  'signature',
  'public_key',
] as const;
