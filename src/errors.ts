/**
 * The typed error hierarchy of SPEC §9.
 *
 * Every class carries a stable `code` (on the instance and on the class) so callers can `switch` on it.
 * Security decisions in this library never look at `message`; neither should yours. Messages never
 * contain key material or signatures.
 */

/**
 * Family bases: never thrown themselves, there to catch a family (`catch (e) { if (e instanceof
 * CapabilityError) … }`). Each concrete class below has a literal `code`, so `switch (error.code)`
 * on a {@link TrustHandoffErrors} value narrows to the class.
 */
export abstract class TrustHandoffError extends Error {
  abstract readonly code: TrustHandoffErrorCode;

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A signature or key binding did not hold (family base). */
export abstract class VerificationError extends TrustHandoffError {}

/** A capability could not be derived, or went stale (family base). */
export abstract class CapabilityError extends TrustHandoffError {}

/** A framework adapter or the executor failed around a task (family base). */
export abstract class AdapterError extends TrustHandoffError {}

/** A result attestation could not be created. */
export class AttestationError extends TrustHandoffError {
  static readonly code = 'ERR_ATTESTATION';
  readonly code = 'ERR_ATTESTATION';
}

/** Why a key binding failed: the sender has no registered key, or a different one. */
export type PublicKeyMismatchDetail = 'not_registered' | 'key_mismatch' | 'agent_revoked';

export class PublicKeyMismatchError extends VerificationError {
  static readonly code = 'ERR_PUBLIC_KEY_MISMATCH';
  readonly code = 'ERR_PUBLIC_KEY_MISMATCH';
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
  // Typed wide enough for its one subclass, AmbiguousJsonError; an instance of this class itself
  // always has ERR_PAYLOAD_VALIDATION (see TrustHandoffErrors).
  static readonly code: 'ERR_PAYLOAD_VALIDATION' | 'ERR_AMBIGUOUS_JSON' = 'ERR_PAYLOAD_VALIDATION';
  readonly code: 'ERR_PAYLOAD_VALIDATION' | 'ERR_AMBIGUOUS_JSON' = 'ERR_PAYLOAD_VALIDATION';
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
  static override readonly code = 'ERR_AMBIGUOUS_JSON' as const;
  override readonly code = 'ERR_AMBIGUOUS_JSON' as const;
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
  static readonly code = 'ERR_CANONICALIZATION';
  readonly code = 'ERR_CANONICALIZATION';
  readonly path: string | undefined;

  constructor(message?: string, options?: { cause?: unknown; path?: string }) {
    super(
      options?.path === undefined ? message : `${message ?? 'cannot encode'} at ${options.path}`,
      options,
    );
    this.path = options?.path;
  }
}

export class StaleCapabilityError extends CapabilityError {
  static readonly code = 'ERR_STALE_CAPABILITY';
  readonly code = 'ERR_STALE_CAPABILITY';
  readonly capabilityId: string;
  readonly reason: string;

  constructor(capabilityId: string, reason: string) {
    super(`capability ${truncate(capabilityId)} is stale: ${truncate(reason)}`);
    this.capabilityId = capabilityId;
    this.reason = reason;
  }
}

export class RevocationConsistencyError extends CapabilityError {
  static readonly code = 'ERR_REVOCATION_CONSISTENCY';
  readonly code = 'ERR_REVOCATION_CONSISTENCY';
  readonly tokenId: string;
  readonly detail: string;

  constructor(tokenId: string, detail: string) {
    super(`revocation state of ${truncate(tokenId)} is inconsistent: ${truncate(detail)}`);
    this.tokenId = tokenId;
    this.detail = detail;
  }
}

export class MissingPacketIDError extends AdapterError {
  static readonly code = 'ERR_MISSING_PACKET_ID';
  readonly code = 'ERR_MISSING_PACKET_ID';
}

export class MiddlewareExecutionError extends AdapterError {
  static readonly code = 'ERR_MIDDLEWARE_EXECUTION';
  readonly code = 'ERR_MIDDLEWARE_EXECUTION';
}

/** A key that is not an Ed25519 key of the expected kind, or not a key at all. */
export class InvalidKeyError extends TrustHandoffError {
  static readonly code = 'ERR_INVALID_KEY';
  readonly code = 'ERR_INVALID_KEY';
}

/** Why an encrypted private key could not be read, or an unencrypted one was given a passphrase. */
export type KeyPassphraseDetail = 'passphrase_required' | 'wrong_passphrase' | 'not_encrypted';

/**
 * A private key file's passphrase problem, kept apart from {@link InvalidKeyError} so that "this key
 * needs a passphrase" is never reported as "this is not a key". The passphrase is never in the message.
 */
export class KeyPassphraseError extends TrustHandoffError {
  static readonly code = 'ERR_KEY_PASSPHRASE';
  readonly code = 'ERR_KEY_PASSPHRASE';
  readonly detail: KeyPassphraseDetail;

  constructor(detail: KeyPassphraseDetail) {
    super(KEY_PASSPHRASE_MESSAGES[detail]);
    this.detail = detail;
  }
}

const KEY_PASSPHRASE_MESSAGES: Record<KeyPassphraseDetail, string> = {
  passphrase_required: 'the private key is encrypted: a passphrase is required',
  wrong_passphrase: 'the private key could not be decrypted: wrong passphrase, or a damaged key',
  not_encrypted: 'a passphrase was given but the private key is not encrypted',
};

/** A store (replay, revocation, registry, …) failed or timed out. Gates treat this as REJECT. */
export class StoreUnavailableError extends TrustHandoffError {
  static readonly code = 'ERR_STORE_UNAVAILABLE';
  readonly code = 'ERR_STORE_UNAVAILABLE';
}

/**
 * The shared store lost the state decisions rely on (replay records, revocations, registrations):
 * its epoch marker is missing or changed since this process trusted it (a Redis restart without
 * persistence, a flush, a failover to an empty replica). Store calls that answer a decision refuse
 * with this error until an operator or a configured policy trusts the state again; gates REJECT
 * with `store_state_lost`.
 */
export class StoreStateLostError extends TrustHandoffError {
  static readonly code = 'ERR_STORE_STATE_LOST';
  readonly code = 'ERR_STORE_STATE_LOST';
}

/**
 * A memory replay store holds `maxEntries` live entries and was asked to store one more. It refuses
 * rather than forget a live nonce (which would re-open it for replay); a gate REJECTs with
 * `replay_store_full`, never with `Replay detected`. Size the store for your accept rate
 * (`MemoryReplayStore.capacityFor`, docs/stores.md).
 */
export class ReplayStoreFullError extends TrustHandoffError {
  static readonly code = 'ERR_REPLAY_STORE_FULL';
  readonly code = 'ERR_REPLAY_STORE_FULL';
  readonly maxEntries: number;

  constructor(maxEntries: number) {
    super(`replay store is full: ${maxEntries} live entries`);
    this.maxEntries = maxEntries;
  }
}

/** Options that cannot make a safe component; raised at construction, never per request. */
export class ConfigurationError extends TrustHandoffError {
  static readonly code = 'ERR_CONFIGURATION';
  readonly code = 'ERR_CONFIGURATION';
}

/**
 * A boundary policy (`trusthandoff/boundaries`) that does not validate. `path` names the bad field as
 * a JSONPath (`$.boundaries[1].require.maxLifetimeSeconds`); `problem` says what is wrong with it.
 * Raised when a policy is parsed or loaded, and by a gate or boundary step given one, never per request.
 */
export class BoundaryPolicyError extends TrustHandoffError {
  static readonly code = 'ERR_BOUNDARY_POLICY';
  readonly code = 'ERR_BOUNDARY_POLICY';
  readonly path: string;
  readonly problem: string;

  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options);
    this.path = path;
    this.problem = problem;
  }
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
  static readonly code = 'ERR_CAPABILITY_DERIVATION';
  readonly code = 'ERR_CAPABILITY_DERIVATION';
  readonly reason: CapabilityDerivationReason;

  constructor(reason: CapabilityDerivationReason) {
    super(`capability derivation refused: ${reason}`);
    this.reason = reason;
  }
}

/**
 * Every error this library throws: `switch (error.code)` narrows to the class. A replay or a bad
 * signature is never an exception here — it is a REJECT decision (`Replay detected`, `Invalid
 * signature`) — so the reference's `ReplayAttackError` and `InvalidSignatureError` do not exist.
 */
export type TrustHandoffErrors =
  | AttestationError
  | PublicKeyMismatchError
  | (PayloadValidationError & { readonly code: 'ERR_PAYLOAD_VALIDATION' })
  | AmbiguousJsonError
  | CanonicalizationError
  | StaleCapabilityError
  | RevocationConsistencyError
  | MissingPacketIDError
  | MiddlewareExecutionError
  | InvalidKeyError
  | KeyPassphraseError
  | StoreUnavailableError
  | StoreStateLostError
  | ReplayStoreFullError
  | ConfigurationError
  | CapabilityDerivationError
  | BoundaryPolicyError;

/** Every code an error of this library can carry. */
export type TrustHandoffErrorCode = TrustHandoffErrors['code'];

/** True when `error` was thrown by this library; then `error.code` narrows the class. */
export function isTrustHandoffError(error: unknown): error is TrustHandoffErrors {
  return error instanceof TrustHandoffError;
}

// Identifiers in messages come from untrusted input; keep messages short and single-line.
function truncate(value: string, max = 64): string {
  const oneLine = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}
