/**
 * Verifying signed human approvals (see `./types.ts`): the `humanApproval` check the gate and the
 * packet validator consult for a packet that requires human review. The approver's key comes from the
 * approver registry (a registry separate from the agents'); the approval's own fields never name a
 * key, so there is no presented key to compare with a registered one.
 */
import { ConfigurationError } from '../errors.js';
import { checkEventPort } from '../events/check.js';
import type { EventPort } from '../events/types.js';
import { parsePublicKeyPem, type PublicKey } from '../identity/keys.js';
import type { SignedTaskPacket, TaskPacketDraft } from '../packet/types.js';
import type { ValidationContext } from '../packet/validate.js';
import type { AgentRegistry } from '../stores/types.js';
import { decodeSignature } from '../identity/signature.js';
import {
  checkSignatureBackend,
  verifyEd25519,
  type SignatureBackend,
} from '../identity/signature-backend.js';
import { isPlainObject } from '../wire/json-value.js';
import { Timestamp } from '../wire/timestamp.js';
import { packetDigest } from './digest.js';
import { approvalSigningBytes } from './payload.js';
import { APPROVAL_FIELDS, MAX_APPROVAL_FIELD_LENGTH, type SignedApproval } from './types.js';
import { exceedsLifetime, isExpired, isIssuedInFuture } from '../lib/time-window.js';

export interface ApprovalVerifierOptions {
  /** The approver registry: who may approve, with which key. Separate from the agent registry. */
  readonly approvers: AgentRegistry;
  /**
   * Approvals needed, by distinct approver keys (M of N; default 1): one key registered under two
   * approver ids counts once.
   */
  readonly required?: number;
  /** Tolerated clock skew for an approval's `issued_at`, seconds (default 30). */
  readonly issuanceSkewSeconds?: number;
  /** Longest accepted approval lifetime, seconds (default 86,400). */
  readonly maxLifetimeSeconds?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Where `approval_accepted` / `approval_rejected` go. Without a port the check emits nothing. */
  readonly events?: EventPort;
  /** Where approval signatures are verified (default node:crypto; same verdict on every backend). */
  readonly signatureBackend?: SignatureBackend;
}

/** Why approvals did not suffice (the `reason` of `approval_rejected`). */
export type ApprovalRejectionReason =
  'no_approvals' | 'approval_denied' | 'insufficient_approvals' | 'approver_registry_unavailable';

// Events keep at most this many approver ids (the hub cuts each one).
const MAX_EVENT_APPROVERS = 20;

/**
 * The `humanApproval` check for the gate (`new HandoffGate({ humanApproval: verifier })`) or the
 * packet validator: {@link check} is true when registered, unrevoked approvers with at least
 * `required` distinct keys signed a current approval of exactly this packet, and none signed a
 * current denial. The packet's own sender never counts as its approver: neither by id nor by key (an
 * approval verifying with the key that signed the packet is ignored). Options are checked here
 * (ConfigurationError).
 */
export class ApprovalVerifier {
  readonly #check: (
    packet: SignedTaskPacket | TaskPacketDraft,
    context: ValidationContext,
  ) => Promise<boolean>;

  constructor(options: ApprovalVerifierOptions) {
    this.#check = buildApprovalCheck(options);
  }

  /**
   * True when the approvals in `context` suffice for `packet`. Registry failures reject (the gate
   * turns them into `approval_check_unavailable`).
   */
  check(packet: SignedTaskPacket | TaskPacketDraft, context: ValidationContext): Promise<boolean> {
    return this.#check(packet, context);
  }
}

function buildApprovalCheck(
  options: ApprovalVerifierOptions,
): (packet: SignedTaskPacket | TaskPacketDraft, context: ValidationContext) => Promise<boolean> {
  if (options === undefined || options === null)
    throw new ConfigurationError('approval verifier needs options with an approver registry');
  const approvers = options.approvers;
  const backend = checkSignatureBackend(options.signatureBackend, 'approval verifier');
  if (approvers === undefined || approvers === null || typeof approvers.resolve !== 'function') {
    throw new ConfigurationError('approval verifier needs an approver registry');
  }
  const required = options.required ?? 1;
  if (!Number.isSafeInteger(required) || required < 1)
    throw new ConfigurationError('required must be an integer ≥ 1');
  const skewMs = (options.issuanceSkewSeconds ?? 30) * 1000;
  const maxLifetimeMs = (options.maxLifetimeSeconds ?? 86_400) * 1000;
  if (!(skewMs >= 0) || !(maxLifetimeMs > 0))
    throw new ConfigurationError('clock skew and lifetime must be positive');
  const now = options.now ?? Date.now;
  const events = checkEventPort(options.events);

  function rejected(
    packet: SignedTaskPacket | TaskPacketDraft,
    reason: ApprovalRejectionReason,
    approvedBy: ApprovedBy,
  ): false {
    events?.emit('approval_rejected', {
      packet_id: typeof packet.packet_id === 'string' ? packet.packet_id : null,
      from_agent: typeof packet.from_agent === 'string' ? packet.from_agent : null,
      reason,
      approvers: firstApprovers(approvedBy),
      required,
    });
    return false;
  }

  async function check(
    packet: SignedTaskPacket | TaskPacketDraft,
    context: ValidationContext,
    approvedBy: ApprovedBy,
  ): Promise<ApprovalRejectionReason | undefined> {
    const approvals = context.approvals;
    if (approvals === undefined || approvals.length === 0) return 'no_approvals';
    const senderKeyPem = (packet as Partial<SignedTaskPacket>).public_key;
    if (typeof senderKeyPem !== 'string') return 'insufficient_approvals';
    // The key that signed the packet (the gate verified the signature with it before validation).
    let senderKey: PublicKey;
    try {
      senderKey = parsePublicKeyPem(senderKeyPem);
    } catch {
      return 'insufficient_approvals';
    }
    const digest = packetDigest(packet as SignedTaskPacket);
    const nowMs = now();
    for (const candidate of approvals) {
      const approval = readApproval(candidate);
      if (approval === undefined) continue;
      if (approval.packet_id !== packet.packet_id || approval.packet_digest !== digest) continue;
      if (approval.approver_agent === packet.from_agent) continue;
      if (isIssuedInFuture(approval.issued.epochMillis, nowMs, skewMs)) continue;
      if (isExpired(approval.expires.epochMillis, nowMs, 0, 'expired')) continue;
      if (exceedsLifetime(approval.issued.epochMillis, approval.expires.epochMillis, maxLifetimeMs)) continue;
      const registered = await approvers.resolve(approval.approver_agent);
      if (registered === undefined) continue;
      // The sender's own key registered as an approver (under any id) does not approve its packet.
      if (registered.publicKey.raw.equals(senderKey.raw)) continue;
      if (await approvers.isRevoked(approval.approver_agent)) continue;
      if (
        !verifyEd25519(
          backend,
          registered.publicKey,
          approvalSigningBytes(approval.fields),
          approval.signatureBytes,
        )
      )
        continue;
      if (approval.fields.decision === 'denied') return 'approval_denied';
      // M of N counts keys, not ids: one key registered under two ids is one approver.
      const keyId = registered.publicKey.raw.toString('base64');
      if (!approvedBy.has(keyId)) approvedBy.set(keyId, approval.approver_agent);
    }
    return approvedBy.size >= required ? undefined : 'insufficient_approvals';
  }

  return async function verifyHumanApprovals(
    packet: SignedTaskPacket | TaskPacketDraft,
    context: ValidationContext,
  ): Promise<boolean> {
    const approvedBy: ApprovedBy = new Map();
    let reason: ApprovalRejectionReason | undefined;
    try {
      reason = await check(packet, context, approvedBy);
    } catch (error) {
      // The gate turns the failure into `approval_check_unavailable`; the event says which check.
      rejected(packet, 'approver_registry_unavailable', approvedBy);
      throw error;
    }
    if (reason !== undefined) return rejected(packet, reason, approvedBy);
    events?.emit('approval_accepted', {
      packet_id: packet.packet_id,
      from_agent: packet.from_agent,
      approvers: firstApprovers(approvedBy),
      required,
    });
    return true;
  };
}

/** Approver key (base64 of the raw key) → the approver id whose approval counted for it. */
type ApprovedBy = Map<string, string>;

function firstApprovers(approvedBy: ApprovedBy): readonly string[] {
  const out: string[] = [];
  for (const id of approvedBy.values()) {
    if (out.length >= MAX_EVENT_APPROVERS) break;
    out.push(id);
  }
  return out;
}

interface ReadApproval {
  readonly fields: SignedApproval;
  readonly packet_id: string;
  readonly packet_digest: string;
  readonly approver_agent: string;
  readonly issued: Timestamp;
  readonly expires: Timestamp;
  readonly signatureBytes: Buffer;
}

// Untrusted input: exact fields, strings of bounded length, aware timestamps, a 64-byte signature.
function readApproval(value: unknown): ReadApproval | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const key of Object.keys(value)) if (!APPROVAL_FIELDS.has(key)) return undefined;
  for (const key of APPROVAL_FIELDS) {
    const field = value[key];
    if (typeof field !== 'string' || field.length > MAX_APPROVAL_FIELD_LENGTH) return undefined;
  }
  const fields = value as unknown as SignedApproval;
  if (fields.signature_algo !== 'Ed25519') return undefined;
  if (fields.decision !== 'approved' && fields.decision !== 'denied') return undefined;
  const signatureBytes = decodeSignature(fields.signature, 'base64');
  if (signatureBytes === undefined) return undefined;
  let issued: Timestamp;
  let expires: Timestamp;
  try {
    issued = Timestamp.parse(fields.issued_at);
    expires = Timestamp.parse(fields.expires_at);
  } catch {
    return undefined;
  }
  if (issued.isNaive || expires.isNaive || issued.compare(expires) > 0) return undefined;
  return {
    fields,
    packet_id: fields.packet_id,
    packet_digest: fields.packet_digest,
    approver_agent: fields.approver_agent,
    issued,
    expires,
    signatureBytes,
  };
}
