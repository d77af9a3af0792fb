/**
 * One verifier process guarding one inbox, on in-memory stores (the README, "The handoff gate"). A planner delegates
 * to a researcher; the gate accepts the real packet, refuses a tampered copy, a replay, a packet for
 * someone else and a review-required packet until a registered human approves it; the executor runs
 * the task only after ACCEPT. Run through test/gate/examples.test.ts, or after `npm run build` with
 * `node dist/examples/gate-single-instance.js`.
 */
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  attachApprovals,
  ApprovalVerifier,
  createDelegationEnvelope,
  TaskExecutor,
  issueApproval,
  HandoffGate,
  issueTaskPacket,
  serializeDelegationEnvelope,
} from 'trusthandoff';

export async function singleInstanceExample(): Promise<Record<string, string>> {
  const planner = AgentIdentity.generate();
  const researcher = AgentIdentity.generate();
  const alice = AgentIdentity.generate(); // a human reviewer's key

  // The trust anchor: which key speaks for which agent. Registered out of band, never from packets.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  // Who may approve review-required packets, in a registry of its own.
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:alice', alice.publicKeyPem);

  const gate = new HandoffGate({
    agentId: researcher.agentId, // whose inbox this is: the audience check
    registry,
    replayStore: new MemoryReplayStore(),
    revocationStore: new MemoryRevocationStore(),
    humanApproval: new ApprovalVerifier({ approvers, required: 1 }),
  });
  const executor = new TaskExecutor({ gate });

  const packet = issueTaskPacket(planner, {
    to_agent: researcher.agentId,
    intent: 'Research company background',
    context: { company: 'Example Corp' },
    permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
    risk_level: 'read',
  });
  const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet));
  const out: Record<string, string> = {};
  const show = (d: { decision: string; reason?: string }): string => `${d.decision} ${d.reason ?? ''}`.trim();

  const run = await executor.execute(wire, (p) => `notes on ${JSON.stringify(p.context['company'])}`);
  out['legitimate'] = `${show(run.decision)} → ${String(run.result)}`;
  out['tampered'] = show(await gate.handle(wire.replace('Research company', 'Wire all funds to')));
  out['replayed'] = show(await gate.handle(wire));
  const elsewhere = issueTaskPacket(planner, {
    to_agent: 'agent:someone-else',
    intent: 'x',
    risk_level: 'read',
  });
  out['misaddressed'] = show(await gate.handle(createDelegationEnvelope(elsewhere)));

  const sensitive = issueTaskPacket(planner, {
    to_agent: researcher.agentId,
    intent: 'Email the board',
    constraints: { requires_human_review: true },
    risk_level: 'write',
  });
  out['unapproved'] = show(await gate.handle(createDelegationEnvelope(sensitive)));
  const approval = issueApproval(sensitive, alice, { approverId: 'human:alice' });
  const approved = serializeDelegationEnvelope(
    attachApprovals(createDelegationEnvelope(sensitive), [approval]),
  );
  out['approved'] = show(await gate.handle(approved));

  await registry.revoke(planner.agentId);
  const afterRevocation = issueTaskPacket(planner, {
    to_agent: researcher.agentId,
    intent: 'x',
    risk_level: 'read',
  });
  out['revokedSender'] = show(await gate.handle(createDelegationEnvelope(afterRevocation)));
  return out;
}

if (process.argv[1]?.endsWith('gate-single-instance.js') === true) {
  for (const [what, decision] of Object.entries(await singleInstanceExample()))
    console.log(`${what.padEnd(14)} ${decision}`);
}
