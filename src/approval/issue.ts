/** The approver's and the sender's side: sign an approval, carry it beside the packet. */
import { PayloadValidationError } from '../errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { DelegationEnvelope, SignedTaskPacket } from '../packet/types.js';
import { Timestamp } from '../wire/timestamp.js';
import { packetDigest } from './digest.js';
import { approvalSigningBytes } from './payload.js';
import type { ApprovalDecision, SignedApproval } from './types.js';

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
  return Object.freeze({
    ...unsigned,
    signature: approver.sign(approvalSigningBytes(unsigned)).toString('base64'),
  });
}

/**
 * The envelope with `approvals` added to those it already carries; its capability chain is kept.
 * `serializeDelegationEnvelope` writes both.
 */
export function attachApprovals(
  envelope: DelegationEnvelope,
  approvals: readonly SignedApproval[],
): DelegationEnvelope {
  const out = {
    packet: envelope.packet,
    chain: envelope.chain,
    approvals: Object.freeze([...(envelope.approvals ?? []), ...approvals]),
  };
  const capabilityChain = envelope.capability_chain;
  return Object.freeze(capabilityChain === undefined ? out : { ...out, capability_chain: capabilityChain });
}
