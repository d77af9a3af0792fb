import { AgentIdentity } from '../identity/agent-identity.js';
import {
  checkAiProvenance,
  createTaskPacket,
  type CreatePacketOptions,
  type TaskPacketInput,
} from './create.js';
import { freezeChecked, isChecked } from './checked.js';
import { packetSigningBytes, packetSigningView } from './payload.js';
import type { SignedTaskPacket, TaskPacketDraft } from './types.js';

/**
 * Sign a packet with `identity`: sets `public_key` to the identity's PEM and the Ed25519 signature over
 * the SPEC §2.1 bytes. Any existing `signature`/`public_key` is replaced.
 *
 * Refuses what no verifier could accept (SPEC §10.3, §10.4): an object key with a lone surrogate
 * anywhere (CanonicalizationError naming its path) and an `ai_provenance` that is not an object with a
 * `source` (PayloadValidationError). Drafts from {@link createTaskPacket} are checked already; these
 * checks catch drafts built by hand.
 */
export function signPacket(packet: TaskPacketDraft, identity: AgentIdentity): SignedTaskPacket {
  if (packet.ai_provenance !== null) checkAiProvenance(packet.ai_provenance);
  // Built field by field: spreading a frozen object takes V8's slow path, and this is the signing hot path.
  const signed = {
    packet_id: packet.packet_id,
    task_id: packet.task_id,
    from_agent: packet.from_agent,
    to_agent: packet.to_agent,
    issued_at: packet.issued_at,
    expires_at: packet.expires_at,
    nonce: packet.nonce,
    capability_token: packet.capability_token,
    intent: packet.intent,
    task_type: packet.task_type,
    goal: packet.goal,
    context: packet.context,
    memory_refs: packet.memory_refs,
    permissions: packet.permissions,
    constraints: packet.constraints,
    provenance: packet.provenance,
    signature_algo: packet.signature_algo,
    signature: '',
    public_key: identity.publicKeyPem,
    risk_level: packet.risk_level,
    ttl_seconds: packet.ttl_seconds,
    ai_provenance: packet.ai_provenance,
  };
  // AgentIdentity.sign is synchronous node:crypto, done with the reusable view before it returns; an
  // object that only looks like one (plain JavaScript callers) gets bytes of its own to keep.
  const payload = identity instanceof AgentIdentity ? packetSigningView(signed) : packetSigningBytes(signed);
  signed.signature = identity.sign(payload).toString('base64');
  // Only a checked draft makes a checked packet: signPacket itself copies fields without checking them.
  return isChecked(packet) ? freezeChecked(signed) : Object.freeze(signed);
}

/** Create and sign in one step; `from_agent` defaults to the identity's agent id. */
export function issueTaskPacket(
  identity: AgentIdentity,
  input: Omit<TaskPacketInput, 'from_agent'> & { readonly from_agent?: string },
  options: CreatePacketOptions = {},
): SignedTaskPacket {
  return signPacket(
    createTaskPacket({ ...input, from_agent: input.from_agent ?? identity.agentId }, options),
    identity,
  );
}
