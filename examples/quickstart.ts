import {
  AgentIdentity,
  MemoryAgentRegistry,
  createDelegationEnvelope,
  issueTaskPacket,
  parseDelegationEnvelope,
  serializeDelegationEnvelope,
  verifyPacket,
} from 'trusthandoff';
import { PacketValidator } from 'trusthandoff/gate';

export async function quickstart(): Promise<Record<string, unknown>> {
  // 1. Identities: an Ed25519 key pair each; the agent id is derived from the public key.
  const planner = AgentIdentity.generate();
  const researcher = AgentIdentity.generate();

  // 2. The planner signs a task packet for the researcher. risk_level "read" resolves a 900 s TTL.
  const packet = issueTaskPacket(planner, {
    to_agent: researcher.agentId,
    intent: 'Research company background',
    context: { company: 'Example Corp' },
    permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
    risk_level: 'read',
  });
  const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet)); // the reference's envelope_to_json form

  // 3. The researcher parses and verifies it against its trust anchor: a registry of known keys.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  const received = parseDelegationEnvelope(wire).packet;
  const verified = await verifyPacket(received, { registry }); // { ok: true, packet, key }
  const validator = new PacketValidator({ registry }); // time window, TTL policy, human review, …
  const validation = await validator.validate(received);

  // 4. Tampering breaks the signature.
  const tampered = await verifyPacket({ ...received, intent: 'Wire the money' }, { registry });

  // 5. Risk-based TTL: a "write" task lives 120 s.
  const write = issueTaskPacket(planner, {
    to_agent: researcher.agentId,
    intent: 'Update CRM',
    risk_level: 'write',
  });
  const writeTtl = (write.expires_at!.epochMillis - write.issued_at.epochMillis) / 1000;

  // 6. Human-review gate: a packet that requires review is rejected until an approval check says yes.
  const payment = issueTaskPacket(planner, {
    to_agent: researcher.agentId,
    intent: 'Pay invoice 42',
    risk_level: 'write',
    constraints: { requires_human_review: true },
  });
  const unreviewed = await validator.validate(payment);
  const reviewing = new PacketValidator({
    registry,
    // Plug in your approval workflow here, or an ApprovalVerifier for signed approvals.
    humanApproval: (p) => p.packet_id === payment.packet_id,
  });
  const approved = await reviewing.validate(payment);

  return {
    signatureOk: verified.ok, // true
    validation, // { ok: true }
    tamperedOk: tampered.ok, // false
    tamperedReason: tampered.ok ? null : tampered.reason, // 'bad_signature'
    writeTtl, // 120
    unreviewed, // { ok: false, reason: 'human_review_required' }
    approved, // { ok: true }
  };
}
