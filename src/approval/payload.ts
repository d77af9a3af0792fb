/**
 * The bytes an approver signs: `"TRUSTHANDOFF_HUMAN_APPROVAL_V1\0"` + the SPEC §2.1 canonical JSON of
 * every field but `signature`. The domain prefix keeps an approval signature from ever verifying as
 * a packet or capability signature, and the reverse.
 */
import { canonicalPacketJson } from '../wire/canonical.js';
import type { SignedApproval } from './types.js';

const DOMAIN = Buffer.from('TRUSTHANDOFF_HUMAN_APPROVAL_V1\0', 'utf8');

export function approvalSigningBytes(approval: Omit<SignedApproval, 'signature'>): Buffer {
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
