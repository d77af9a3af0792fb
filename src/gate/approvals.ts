/**
 * Signed human approvals (SPEC §7.7). The reference's gate is `context.human_approval` truthy, which
 * anyone who builds a packet can set. Here an approval is a separate object, signed by a key
 * registered as an approver, bound to one packet by its id and the SHA-256 of its signed bytes (which
 * cover the nonce, sender, key, recipient and content), valid for a bounded time, and carried next to
 * the packet in the envelope's `approvals` list — it cannot sit inside the packet, because it is made
 * after the packet was signed (the reference ignores unknown envelope fields, so this stays
 * wire-compatible). A packet can require M distinct approvers; one valid denial vetoes.
 *
 * Signed bytes: `"TRUSTHANDOFF_HUMAN_APPROVAL_V1\0"` + the SPEC §2.1 canonical JSON of every field
 * but `signature`.
 */
import { createHash, verify } from 'node:crypto';
import { ConfigurationError, PayloadValidationError } from '../errors.js';
import { checkEventPort } from '../events/check.js';
import type { EventPort } from '../events/types.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { packetSigningPayload } from '../packet/payload.js';
import type { SignedTaskPacket, TaskPacketDraft } from '../packet/types.js';
import type { HumanApprovalCheck, ValidationContext } from '../packet/validate.js';
import type { AgentRegistry } from '../stores/types.js';
import { decodeSignature } from '../identity/signature.js';
import { canonicalPacketJson, encodeJson } from '../wire/canonical.js';
import { isPlainObject } from '../wire/json-value.js';
import { Timestamp } from '../wire/timestamp.js';
import type { GateEnvelope } from './context.js';
import { serializeDelegationEnvelope, type WireForm } from '../packet/wire.js';

export type ApprovalDecision = 'approved' | 'denied';

export interface SignedApproval {
  readonly approval_id: string;
  readonly packet_id: string;
  /** Lowercase hex SHA-256 of the packet's SPEC §2.1 signed bytes. */
  readonly packet_digest: string;
  /** The approver's id in the approver registry. */
  readonly approver_agent: string;
  readonly decision: ApprovalDecision;
  /** SPEC §2.1 timestamp form, UTC. */
  readonly issued_at: string;
  readonly expires_at: string;
  readonly signature_algo: 'Ed25519';
  /** Standard base64 of the Ed25519 signature. */
  readonly signature: string;
}

const DOMAIN = Buffer.from('TRUSTHANDOFF_HUMAN_APPROVAL_V1\0', 'utf8');
const FIELDS: ReadonlySet<string> = new Set([
  'approval_id',
  'packet_id',
  'packet_digest',
  'approver_agent',
  'decision',
  'issued_at',
  'expires_at',
  'signature_algo',
  'signature',
]);
const MAX_FIELD_LENGTH = 512;

/** Lowercase hex SHA-256 of the packet's signed bytes: what an approval binds to. */
export function packetDigest(packet: SignedTaskPacket): string {
  return createHash('sha256').update(packetSigningPayload(packet), 'utf8').digest('hex');
}

function signedBytes(approval: Omit<SignedApproval, 'signature'>): Buffer {
  const body = canonicalPacketJson({
    approval_id: approval.approval_id,
    packet_id: approval.packet_id,
    packet_digest: approval.packet_digest,
    approver_agent: approval.approver_agent,
    decision: approval.decision,
    issued_at: approval.issued_at,
    expires_at: approval.expires_at,
    signature_algo: approval.signature_algo,
  });
  return Buffer.concat([DOMAIN, Buffer.from(body, 'utf8')]);
}

export interface IssueApprovalOptions {
  /** The approver's id as registered in the approver registry (default: the identity's agent id). */
  readonly approverId?: string;
  readonly decision?: ApprovalDecision;
  /** Lifetime in seconds (default: until the packet expires, or 900 s for a packet without expiry). */
  readonly ttlSeconds?: number;
  readonly approvalId?: string;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/** Sign an approval (or denial) of `packet` with the approver's key. */
export function issueApproval(
  packet: SignedTaskPacket,
  approver: AgentIdentity,
  options: IssueApprovalOptions = {},
): SignedApproval {
  const decision = options.decision ?? 'approved';
  if (decision !== 'approved' && decision !== 'denied')
    throw new PayloadValidationError('decision: approved or denied');
  const issued = Timestamp.fromEpochMillis((options.now ?? Date.now)());
  let expires: Timestamp;
  if (options.ttlSeconds !== undefined) {
    if (!Number.isSafeInteger(options.ttlSeconds) || options.ttlSeconds <= 0) {
      throw new PayloadValidationError('ttlSeconds must be a positive integer');
    }
    expires = issued.plusSeconds(options.ttlSeconds);
  } else {
    expires = packet.expires_at ?? issued.plusSeconds(900);
  }
  const unsigned = {
    approval_id: options.approvalId ?? globalThis.crypto.randomUUID(),
    packet_id: packet.packet_id,
    packet_digest: packetDigest(packet),
    approver_agent: options.approverId ?? approver.agentId,
    decision,
    issued_at: issued.toCanonical(),
    expires_at: Timestamp.fromEpochMillis(expires.epochMillis).toCanonical(),
    signature_algo: 'Ed25519' as const,
  };
  return Object.freeze({ ...unsigned, signature: approver.sign(signedBytes(unsigned)).toString('base64') });
}

/** The envelope with `approvals` added to those it already carries. */
export function attachApprovals(envelope: GateEnvelope, approvals: readonly SignedApproval[]): GateEnvelope {
  const out = {
    packet: envelope.packet,
    chain: envelope.chain,
    approvals: Object.freeze([...(envelope.approvals ?? []), ...approvals]),
  };
  const capabilityChain = envelope.capability_chain;
  return Object.freeze(capabilityChain === undefined ? out : { ...out, capability_chain: capabilityChain });
}

/**
 * An envelope as wire JSON, approvals and capability chain included. `reference` (default): the
 * reference's layout, whose sorted keys put `approvals` and `capability_chain` before `chain`; the
 * reference itself ignores both fields.
 */
export function serializeGateEnvelope(envelope: GateEnvelope, form: WireForm = 'reference'): string {
  const base = serializeDelegationEnvelope(envelope, form);
  const approvals = envelope.approvals;
  const capabilityChain = envelope.capability_chain;
  const hasApprovals = approvals !== undefined && approvals.length > 0;
  if (!hasApprovals && capabilityChain === undefined) return base;
  const reference = form === 'reference';
  const layout = {
    sortKeys: true,
    itemSeparator: reference ? ', ' : ',',
    keySeparator: reference ? ': ' : ':',
    asciiOnly: true,
  };
  const space = reference ? ' ' : '';
  let prefix = '';
  if (hasApprovals) prefix += `"approvals":${space}${encodeJson(approvals, layout)},${space}`;
  if (capabilityChain !== undefined)
    prefix += `"capability_chain":${space}${encodeJson([...capabilityChain], layout)},${space}`;
  return `{${prefix}${base.slice(1)}`;
}

export interface ApprovalVerifierOptions {
  /** The approver registry: who may approve, with which key. Separate from the agent registry. */
  readonly approvers: AgentRegistry;
  /** Distinct approvers needed (M of N; default 1). */
  readonly required?: number;
  /** Tolerated clock skew for an approval's `issued_at`, seconds (default 30). */
  readonly clockSkewSeconds?: number;
  /** Longest accepted approval lifetime, seconds (default 86,400). */
  readonly maxApprovalLifetimeSeconds?: number;
  /** Clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
  /** Where `approval_accepted` / `approval_rejected` go. Without a port the check emits nothing. */
  readonly events?: EventPort;
}

/** Why approvals did not suffice (the `reason` of `approval_rejected`). */
export type ApprovalRejectionReason =
  'no_approvals' | 'approval_denied' | 'insufficient_approvals' | 'approver_registry_unavailable';

// Events keep at most this many approver ids (the hub cuts each one).
const MAX_EVENT_APPROVERS = 20;

/**
 * A `humanApproval` check for the validator / middleware: true when at least `required` distinct
 * registered, unrevoked approvers signed a current approval of exactly this packet, and none signed a
 * current denial. The packet's own sender never counts as its approver. Registry failures propagate
 * (the gate turns them into `approval_check_unavailable`).
 */
export function createApprovalVerifier(options: ApprovalVerifierOptions): HumanApprovalCheck {
  const approvers = options.approvers;
  if (approvers === undefined || typeof approvers.resolve !== 'function') {
    throw new ConfigurationError('approval verifier needs an approver registry');
  }
  const required = options.required ?? 1;
  if (!Number.isSafeInteger(required) || required < 1)
    throw new ConfigurationError('required must be an integer ≥ 1');
  const skewMs = (options.clockSkewSeconds ?? 30) * 1000;
  const maxLifetimeMs = (options.maxApprovalLifetimeSeconds ?? 86_400) * 1000;
  if (!(skewMs >= 0) || !(maxLifetimeMs > 0))
    throw new ConfigurationError('clock skew and lifetime must be positive');
  const now = options.now ?? Date.now;
  const events = checkEventPort(options.events);

  function rejected(
    packet: SignedTaskPacket | TaskPacketDraft,
    reason: ApprovalRejectionReason,
    approvedBy: ReadonlySet<string>,
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
    approvedBy: Set<string>,
  ): Promise<ApprovalRejectionReason | undefined> {
    const approvals = context.approvals;
    if (approvals === undefined || approvals.length === 0) return 'no_approvals';
    if (typeof (packet as Partial<SignedTaskPacket>).public_key !== 'string') return 'insufficient_approvals';
    const digest = packetDigest(packet as SignedTaskPacket);
    const nowMs = now();
    for (const candidate of approvals) {
      const approval = readApproval(candidate);
      if (approval === undefined) continue;
      if (approval.packet_id !== packet.packet_id || approval.packet_digest !== digest) continue;
      if (approval.approver_agent === packet.from_agent) continue;
      if (approval.issued.epochMillis - skewMs > nowMs || approval.expires.epochMillis <= nowMs) continue;
      if (approval.expires.epochMillis - approval.issued.epochMillis > maxLifetimeMs) continue;
      const registered = await approvers.resolve(approval.approver_agent);
      if (registered === undefined || (await approvers.isRevoked(approval.approver_agent))) continue;
      if (!verify(null, signedBytes(approval.fields), registered.publicKey.key, approval.signatureBytes))
        continue;
      if (approval.fields.decision === 'denied') return 'approval_denied';
      approvedBy.add(approval.approver_agent);
    }
    return approvedBy.size >= required ? undefined : 'insufficient_approvals';
  }

  return async function verifyHumanApprovals(
    packet: SignedTaskPacket | TaskPacketDraft,
    context: ValidationContext,
  ): Promise<boolean> {
    const approvedBy = new Set<string>();
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

function firstApprovers(approvedBy: ReadonlySet<string>): readonly string[] {
  const out: string[] = [];
  for (const id of approvedBy) {
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
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) return undefined;
  for (const key of FIELDS) {
    const field = value[key];
    if (typeof field !== 'string' || field.length > MAX_FIELD_LENGTH) return undefined;
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
