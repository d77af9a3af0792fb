/**
 * Capabilities end to end: planner → researcher → writer. Run it through its test
 * (test/capability/walkthrough.test.ts) or after `npm run build` with
 * `node dist/examples/capability-walkthrough.js`. In your code, import from 'trusthandoff'.
 */
import {
  AgentIdentity,
  CapabilityDerivationError,
  EventHub,
  MemoryEventSink,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  Timestamp,
  CapabilityExecutor,
  parseCapabilityToken,
  deriveCapability,
  serializeCapabilityToken,
  issueCapability,
  issueTaskPacket,
} from 'trusthandoff';
import {
  CapabilityEnvelopeVerifier,
  createCapabilityTokenEnvelope,
  denyFileWritePolicy,
} from 'trusthandoff/gate';

export async function capabilityWalkthrough(): Promise<Record<string, unknown>> {
  const planner = AgentIdentity.generate();
  const researcher = AgentIdentity.generate();
  const writer = AgentIdentity.generate();

  // 1. The planner (a trusted root) grants the researcher read/search/summarize, 10 tool calls, one hour.
  const root = issueCapability(planner, {
    subject_agent: researcher.agentId,
    delegated_permissions: { allowed_actions: ['read', 'search', 'summarize'], max_tool_calls: 10 },
    expires_at: Timestamp.fromEpochMillis(Date.now() + 3_600_000),
  });
  const rootToken = serializeCapabilityToken(root); // the reference's token format, byte for byte

  // 2. The researcher passes part of it on to the writer, signing the child with its OWN key.
  const child = deriveCapability(parseCapabilityToken(rootToken), researcher, {
    subject_agent: writer.agentId,
    delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 3 },
  });

  // Widening is refused before anything is signed.
  let refused: string | undefined;
  try {
    deriveCapability(root, researcher, {
      subject_agent: writer.agentId,
      delegated_permissions: { allowed_actions: ['read', 'file_write'], max_tool_calls: 3 },
    });
  } catch (error) {
    if (error instanceof CapabilityDerivationError) refused = error.reason; // 'actions_widened'
  }

  // 3. The writer's side: who may start chains, who holds which key, what is revoked, which policy.
  const registry = new MemoryAgentRegistry();
  for (const agent of [planner, researcher, writer])
    await registry.register(agent.agentId, agent.publicKeyPem);
  const revocations = new MemoryRevocationStore();
  // Every decision is an event on the port; here a memory sink keeps them to read back below.
  const log = new MemoryEventSink();
  const events = new EventHub({ verifier: { agentId: writer.agentId }, sinks: [log] });
  const executor = new CapabilityExecutor({
    trustedRoots: [planner.agentId],
    registry,
    revocationStore: revocations,
    policy: denyFileWritePolicy,
    events,
  });

  // 4. The writer uses its own delegated authority: the chain root → child, presented by the writer.
  const used = await executor.execute([root, child], 'read', () => ({ pages: 12 }), {
    presenter: writer.agentId,
    toolCallsUsed: 0,
  });
  const exhausted = await executor.execute([root, child], 'read', () => ({ pages: 12 }), {
    presenter: writer.agentId,
    toolCallsUsed: 3,
  });

  // 5. The researcher asks the writer to act on the researcher's authority: the token travels in a
  //    signed packet, the packet's intent is the action, and the token's subject must be the sender.
  const packet = issueTaskPacket(researcher, {
    to_agent: writer.agentId,
    intent: 'summarize',
    capability_token: rootToken,
  });
  const viaPacket = await executor.executePacket(packet, () => 'summary written');

  // 6. Revoking any link stops the chain at once.
  await revocations.revoke(child.capability_id);
  const afterRevocation = await executor.execute([root, child], 'read', () => 'never', {
    presenter: writer.agentId,
  });

  // 7. A token envelope: fresh nonce and timestamp; accepted once, a replay is refused.
  const envelopes = new CapabilityEnvelopeVerifier({
    trustedRoots: [planner.agentId],
    registry,
    replayStore: new MemoryReplayStore(),
  });
  const envelope = createCapabilityTokenEnvelope(rootToken, { task: 'search_docs' });
  const firstEnvelope = await envelopes.verify(envelope, { presenter: researcher.agentId });
  const replayedEnvelope = await envelopes.verify(envelope, { presenter: researcher.agentId });

  const audit = log.snapshot().flatMap((e) => (e.event_type === 'capability_execution' ? [e.outcome] : []));
  return {
    refused,
    used,
    exhausted,
    viaPacket,
    afterRevocation,
    audit,
    firstEnvelope: firstEnvelope.ok,
    replayedEnvelope: replayedEnvelope.ok ? null : replayedEnvelope.reason,
  };
}
