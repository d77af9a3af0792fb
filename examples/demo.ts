/**
 * `npm run demo`: a planner delegates to a researcher on in-memory defaults, through the handoff gate,
 * and the researcher answers with an attested result.
 *   - a legitimate packet is accepted and executed; a tampered copy, a replay and a misaddressed packet
 *     are rejected;
 *   - the attested result is accepted once; a tampered result and a replayed result are rejected.
 */
import {
  AgentIdentity,
  AttestationReplayTracker,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createDelegationEnvelope,
  TaskExecutor,
  HandoffGate,
  issueTaskPacket,
  serializeDelegationEnvelope,
  serializeNodeOutput,
  verifyNodeOutput,
  wrapNode,
  type GateDecision,
} from 'trusthandoff';

const planner = AgentIdentity.generate();
const researcher = AgentIdentity.generate();
const registry = new MemoryAgentRegistry(); // the trust anchor: registered out of band
await registry.register(planner.agentId, planner.publicKeyPem);
await registry.register(researcher.agentId, researcher.publicKeyPem);

const gate = new HandoffGate({
  agentId: researcher.agentId,
  registry,
  replayStore: new MemoryReplayStore(),
});
const executor = new TaskExecutor({ gate });
const show = (d: GateDecision): string => `${d.decision} ${d.reason ?? ''}`;

console.log(`planner    ${planner.agentId}`);
console.log(`researcher ${researcher.agentId}\n`);

// 1. The planner signs a task for the researcher; it travels as the reference's envelope JSON.
const packet = issueTaskPacket(planner, {
  to_agent: researcher.agentId,
  intent: 'Research company background',
  context: { company: 'Example Corp' },
  permissions: { allowed_actions: ['read', 'search'], max_tool_calls: 5 },
  risk_level: 'read',
});
const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet));

// 2. The researcher's gate decides before anything runs; the task is an attested node.
const research = wrapNode(
  (task: { packet_id: string; company: string }) => ({ company: task.company, founded: 1999 }),
  {
    identity: researcher,
  },
);
const run = await executor.execute(wire, (p) =>
  research({ packet_id: p.packet_id, company: 'Example Corp' }),
);
console.log('handoff');
console.log(`  legitimate packet   → ${show(run.decision)}`);
console.log(
  `  tampered packet     → ${show(await gate.handle(wire.replace('Research company', 'Transfer all funds of')))}`,
);
console.log(`  replayed packet     → ${show(await gate.handle(wire))}`);
const misaddressed = issueTaskPacket(planner, {
  to_agent: 'agent:someone-else',
  intent: 'x',
  risk_level: 'read',
});
console.log(`  misaddressed packet → ${show(await gate.handle(createDelegationEnvelope(misaddressed)))}`);

// 3. The planner checks the attested result against the researcher's key, once.
if (run.result === undefined) throw new Error('the legitimate task did not run');
const output = serializeNodeOutput(run.result);
const replayTracker = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
const check = async (received: string): Promise<string> => {
  const verdict = await verifyNodeOutput(received, researcher.publicKeyPem, {
    replayTracker,
    expectedPacketId: packet.packet_id,
  });
  return verdict.ok ? 'ACCEPTED' : `REJECTED ${verdict.reason}`;
};
console.log('\nresult');
console.log(`  attested result     → ${await check(output)}   ${JSON.stringify(run.result.result)}`);
console.log(`  tampered result     → ${await check(output.replace('1999', '2021'))}`);
console.log(`  replayed result     → ${await check(output)}`);
