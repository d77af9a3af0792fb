import type { AgentIdentity } from '../identity/agent-identity.js';
import { createTaskPacket, type CreatePacketOptions, type TaskPacketInput } from './create.js';
import { packetSigningPayload } from './payload.js';
import type { SignedTaskPacket, TaskPacketDraft } from './types.js';

/**
 * Sign a packet with `identity`: sets `public_key` to the identity's PEM and the Ed25519 signature over
 * the SPEC §2.1 bytes. Any existing `signature`/`public_key` is replaced.
 */
export function signPacket(packet: TaskPacketDraft, identity: AgentIdentity): SignedTaskPacket {
  const unsigned = { ...packet, public_key: identity.publicKeyPem };
  delete (unsigned as { signature?: string }).signature;
  const signature = identity.sign(Buffer.from(packetSigningPayload(unsigned), 'utf8')).toString('base64');
  return Object.freeze({ ...unsigned, signature });
}

/** Create and sign in one step; `from_agent` defaults to the identity's agent id. */
export function issueTaskPacket(
  identity: AgentIdentity,
  input: Omit<TaskPacketInput, 'from_agent'> & { readonly from_agent?: string },
  options: CreatePacketOptions = {},
): SignedTaskPacket {
  return signPacket(createTaskPacket({ ...input, from_agent: input.from_agent ?? identity.agentId }, options), identity);
}
