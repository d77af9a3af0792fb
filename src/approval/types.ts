/**
 * Signed human approvals (SPEC §7.7). The reference's gate is `context.human_approval` truthy, which
 * anyone who builds a packet can set. Here an approval is a separate object, signed by a key
 * registered as an approver, bound to one packet by its id and the SHA-256 of its signed bytes (which
 * cover the nonce, sender, key, recipient and content), valid for a bounded time, and carried next to
 * the packet in the envelope's `approvals` list — it cannot sit inside the packet, because it is made
 * after the packet was signed (the reference ignores unknown envelope fields, so this stays
 * wire-compatible). A packet can require M approvals by distinct keys; one valid denial vetoes.
 */

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

/** Exactly the fields of a {@link SignedApproval}; an approval with any other field is ignored. */
export const APPROVAL_FIELDS: ReadonlySet<string> = new Set([
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

/** Longest accepted value of any approval field, in UTF-16 code units. */
export const MAX_APPROVAL_FIELD_LENGTH = 512;
