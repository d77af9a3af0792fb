import {
  AgentIdentity,
  MemoryAgentRegistry,
  createDelegationEnvelope,
  issueTaskPacket,
  parseDelegationEnvelope,
  serializeDelegationEnvelope,
  referenceValidatePacket,
  verifyPacket,
} from 'trusthandoff';

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
  const signatureOk = await verifyPacket(received, { registry });
  const validation = await referenceValidatePacket(received, { registry });

  // 4. Tampering breaks the signature.
  const tampered = { ...received, intent: 'Wire the money' };
  const tamperedOk = await verifyPacket(tampered, { registry });

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
  const unreviewed = await referenceValidatePacket(payment, { registry });
  const approved = await referenceValidatePacket(payment, {
    registry,
    humanApproval: (p) => p.packet_id === payment.packet_id, // plug in your approval workflow here
  });

  return {
    signatureOk, // true
    validation, // { isValid: true }
    tamperedOk, // false
    writeTtl, // 120
    unreviewed, // { isValid: false, reason: 'human_review_required' }
    approved, // { isValid: true }
  };
}
