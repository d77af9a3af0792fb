/**
 * The typed error hierarchy of SPEC §9.
 *
 * Every class carries a stable `code` (on the instance and on the class) so callers can `switch` on it.
 * Security decisions in this library never look at `message`; neither should yours. Messages never
 * contain key material or signatures.
 */

/** Every code an error of this library can carry. */
export type TrustHandoffErrorCode =
  | 'ERR_TRUSTHANDOFF'
  | 'ERR_ATTESTATION'
  | 'ERR_VERIFICATION'
  | 'ERR_REPLAY_ATTACK'
  | 'ERR_INVALID_SIGNATURE'
  | 'ERR_PUBLIC_KEY_MISMATCH'
  | 'ERR_PAYLOAD_VALIDATION'
  | 'ERR_AMBIGUOUS_JSON'
  | 'ERR_CANONICALIZATION'
  | 'ERR_CAPABILITY'
  | 'ERR_STALE_CAPABILITY'
  | 'ERR_REVOCATION_CONSISTENCY'
  | 'ERR_ADAPTER'
  | 'ERR_MISSING_PACKET_ID'
  | 'ERR_MIDDLEWARE_EXECUTION'
  | 'ERR_INVALID_KEY'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_CONFIGURATION'
  | 'ERR_CAPABILITY_DERIVATION';

export class TrustHandoffError extends Error {
  static readonly code: TrustHandoffErrorCode = 'ERR_TRUSTHANDOFF';
  readonly code: TrustHandoffErrorCode = 'ERR_TRUSTHANDOFF';

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A result attestation could not be created or did not verify. */
export class AttestationError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_ATTESTATION';
  override readonly code: TrustHandoffErrorCode = 'ERR_ATTESTATION';
}

export class VerificationError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_VERIFICATION';
  override readonly code: TrustHandoffErrorCode = 'ERR_VERIFICATION';
}

export class ReplayAttackError extends VerificationError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_REPLAY_ATTACK';
  override readonly code: TrustHandoffErrorCode = 'ERR_REPLAY_ATTACK';
}

export class InvalidSignatureError extends VerificationError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_INVALID_SIGNATURE';
  override readonly code: TrustHandoffErrorCode = 'ERR_INVALID_SIGNATURE';
}

/** Why a key binding failed: the sender has no registered key, or a different one. */
export type PublicKeyMismatchDetail = 'not_registered' | 'key_mismatch' | 'agent_revoked';

export class PublicKeyMismatchError extends VerificationError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_PUBLIC_KEY_MISMATCH';
  override readonly code: TrustHandoffErrorCode = 'ERR_PUBLIC_KEY_MISMATCH';
  readonly agentId: string;
  readonly detail: PublicKeyMismatchDetail;

  constructor(agentId: string, detail: PublicKeyMismatchDetail) {
    super(`public key binding failed for ${truncate(agentId)}: ${detail}`);
    this.agentId = agentId;
    this.detail = detail;
  }
}

/** Input that does not form a valid packet, capability, timestamp or wire document. */
export class PayloadValidationError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_PAYLOAD_VALIDATION';
  override readonly code: TrustHandoffErrorCode = 'ERR_PAYLOAD_VALIDATION';
}

/** Why a JSON document was refused as ambiguous. */
export type AmbiguousJsonDetail = 'duplicate_key' | 'lone_surrogate_key';

/**
 * Wire JSON that could mean two things (SPEC §10.3): an object with the same key twice (parsers
 * disagree on which value wins, so a reader could see another value than the one verified), or a key
 * containing a lone surrogate (the reference signs it as U+FFFD×3 but sends the original, so no
 * implementation can verify it).
 */
export class AmbiguousJsonError extends PayloadValidationError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_AMBIGUOUS_JSON';
  override readonly code: TrustHandoffErrorCode = 'ERR_AMBIGUOUS_JSON';
  readonly detail: AmbiguousJsonDetail;

  constructor(detail: AmbiguousJsonDetail) {
    super(
      detail === 'duplicate_key'
        ? 'JSON object has a duplicate key'
        : 'JSON object key contains a lone surrogate',
    );
    this.detail = detail;
  }
}

/**
 * A value that has no canonical encoding (NaN, a float where only integers are allowed, an object key
 * with a lone surrogate, …). `path` names where in the value it is, as a JSONPath (`$.celsius`,
 * `$.readings[2]`), when the encoder knows it.
 */
export class CanonicalizationError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_CANONICALIZATION';
  override readonly code: TrustHandoffErrorCode = 'ERR_CANONICALIZATION';
  readonly path: string | undefined;

  constructor(message?: string, options?: { cause?: unknown; path?: string }) {
    super(
      options?.path === undefined ? message : `${message ?? 'cannot encode'} at ${options.path}`,
      options,
    );
    this.path = options?.path;
  }
}

export class CapabilityError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_CAPABILITY';
  override readonly code: TrustHandoffErrorCode = 'ERR_CAPABILITY';
}

export class StaleCapabilityError extends CapabilityError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_STALE_CAPABILITY';
  override readonly code: TrustHandoffErrorCode = 'ERR_STALE_CAPABILITY';
  readonly capabilityId: string;
  readonly reason: string;

  constructor(capabilityId: string, reason: string) {
    super(`capability ${truncate(capabilityId)} is stale: ${truncate(reason)}`);
    this.capabilityId = capabilityId;
    this.reason = reason;
  }
}

export class RevocationConsistencyError extends CapabilityError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_REVOCATION_CONSISTENCY';
  override readonly code: TrustHandoffErrorCode = 'ERR_REVOCATION_CONSISTENCY';
  readonly tokenId: string;
  readonly detail: string;

  constructor(tokenId: string, detail: string) {
    super(`revocation state of ${truncate(tokenId)} is inconsistent: ${truncate(detail)}`);
    this.tokenId = tokenId;
    this.detail = detail;
  }
}

export class AdapterError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_ADAPTER';
  override readonly code: TrustHandoffErrorCode = 'ERR_ADAPTER';
}

export class MissingPacketIDError extends AdapterError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_MISSING_PACKET_ID';
  override readonly code: TrustHandoffErrorCode = 'ERR_MISSING_PACKET_ID';
}

export class MiddlewareExecutionError extends AdapterError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_MIDDLEWARE_EXECUTION';
  override readonly code: TrustHandoffErrorCode = 'ERR_MIDDLEWARE_EXECUTION';
}

/** A key that is not an Ed25519 key of the expected kind, or not a key at all. */
export class InvalidKeyError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_INVALID_KEY';
  override readonly code: TrustHandoffErrorCode = 'ERR_INVALID_KEY';
}

/** A store (replay, revocation, registry, …) failed or timed out. Gates treat this as REJECT. */
export class StoreUnavailableError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_STORE_UNAVAILABLE';
  override readonly code: TrustHandoffErrorCode = 'ERR_STORE_UNAVAILABLE';
}

/** Options that cannot make a safe component; raised at construction, never per request. */
export class ConfigurationError extends TrustHandoffError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_CONFIGURATION';
  override readonly code: TrustHandoffErrorCode = 'ERR_CONFIGURATION';
}

/** True when `error` was thrown by this library. */
export function isTrustHandoffError(error: unknown): error is TrustHandoffError {
  return error instanceof TrustHandoffError;
}

// Identifiers in messages come from untrusted input; keep messages short and single-line.
function truncate(value: string, max = 64): string {
  const oneLine = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/** Why a derivation was refused: the child would widen its parent's authority or not be its child. */
export type CapabilityDerivationReason =
  | 'issuer_not_parent_subject'
  | 'parent_link_mismatch'
  | 'actions_widened'
  | 'budget_widened'
  | 'budget_unlimited_under_limited'
  | 'outlives_parent'
  | 'constraints_widened'
  | 'parent_expired';

/** A capability derivation that would widen authority; nothing was signed. */
export class CapabilityDerivationError extends CapabilityError {
  static override readonly code: TrustHandoffErrorCode = 'ERR_CAPABILITY_DERIVATION';
  override readonly code: TrustHandoffErrorCode = 'ERR_CAPABILITY_DERIVATION';
  readonly reason: CapabilityDerivationReason;

  constructor(reason: CapabilityDerivationReason) {
    super(`capability derivation refused: ${reason}`);
    this.reason = reason;
  }
}
