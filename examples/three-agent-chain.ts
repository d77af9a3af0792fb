import {
  AgentIdentity,
  AttestationReplayTracker,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  Timestamp,
  CapabilityExecutor,
  createDelegationEnvelope,
  HandoffGate,
  parseCapabilityToken,
  deriveCapability,
  serializeCapabilityToken,
  issueCapability,
  issueTaskPacket,
  serializeDelegationEnvelope,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
} from 'trusthandoff';

export async function threeAgentChain(): Promise<Record<string, string>> {
  const planner = AgentIdentity.generate();
  const researcher = AgentIdentity.generate();
  const writer = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry(); // everyone's trust anchor, filled out of band
  for (const agent of [planner, researcher, writer])
    await registry.register(agent.agentId, agent.publicKeyPem);

  // 1. Authority: the planner (the trusted root) grants the researcher research + write_report.
  const root = issueCapability(planner, {
    subject_agent: researcher.agentId,
    delegated_permissions: { allowed_actions: ['research', 'write_report'], max_tool_calls: 10 },
    expires_at: Timestamp.fromEpochMillis(Date.now() + 3_600_000),
  });
  // 2. The researcher narrows it for the writer, signing the child with its own key.
  const child = deriveCapability(root, researcher, {
    subject_agent: writer.agentId,
    delegated_permissions: { allowed_actions: ['write_report'], max_tool_calls: 3 },
  });

  // 3. The task: a signed packet from researcher to writer, carrying the chain in its signed context.
  const packet = issueTaskPacket(researcher, {
    to_agent: writer.agentId,
    intent: 'write_report',
    context: { topic: 'Example Corp', capability_chain: [root, child].map(serializeCapabilityToken) },
    permissions: { allowed_actions: ['write_report'], max_tool_calls: 3 },
    risk_level: 'write',
  });
  const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet));

  // 4. The writer's gate: audience, key binding, signature, validation, chain, revocation, replay.
  const gate = new HandoffGate({ agentId: writer.agentId, registry, replayStore: new MemoryReplayStore() });
  const decision = await gate.handle(wire);
  if (decision.decision !== 'ACCEPT') throw new Error(`gate refused: ${decision.reason ?? ''}`);

  // 5. The writer checks its authority (root → child, presented by itself) and runs an attested node.
  const capabilities = new CapabilityExecutor({
    trustedRoots: [planner.agentId],
    registry,
    revocationStore: new MemoryRevocationStore(),
    policy: () => ({ ok: true }),
  });
  const chain = (packet.context['capability_chain'] as string[]).map((token) => parseCapabilityToken(token));
  const writeReport = wrapNode(
    (task: { packet_id: string; topic: string }) => ({ report: `On ${task.topic}: …` }),
    {
      identity: writer,
    },
  );
  const run = await capabilities.execute(
    chain,
    'write_report',
    () => writeReport({ packet_id: packet.packet_id, topic: 'Example Corp' }),
    { presenter: writer.agentId },
  );
  if (!run.ok) throw new Error(`not authorized: ${run.reason}`);
  const output = serializeNodeOutput(run.result); // {result, attestation} on the wire

  // 6. The researcher accepts the attested result once; a tampered copy and a replay are refused.
  const replayTracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
  const check = async (received: string): Promise<string> => {
    const verdict = await verifyNodeOutput(received, writer.publicKeyPem, {
      replayTracker,
      expectedPacketId: packet.packet_id,
    });
    return verdict.ok ? 'ACCEPTED' : `REJECTED ${verdict.reason}`;
  };
  return {
    gate: `${decision.decision} ${decision.reason ?? ''}`,
    tamperedResult: await check(output.replace('Example Corp', 'Evil Corp')),
    result: await check(output),
    replayedResult: await check(output),
  };
}
