import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createDelegationEnvelope,
  issueTaskPacket,
  serializeDelegationEnvelope,
} from 'trusthandoff';

const planner = AgentIdentity.generate(); // each agent has an Ed25519 identity
const worker = AgentIdentity.generate();

// The worker's side: a registry of trusted keys, a replay store, and a gate for its inbox.
const registry = new MemoryAgentRegistry();
await registry.register(planner.agentId, planner.publicKeyPem);
const gate = new HandoffGate({ agentId: worker.agentId, registry, replayStore: new MemoryReplayStore() });

// The planner signs a task for the worker; it travels as JSON (the Python reference's format).
const packet = issueTaskPacket(planner, {
  to_agent: worker.agentId,
  intent: 'summarize',
  risk_level: 'read',
});
const wire = serializeDelegationEnvelope(createDelegationEnvelope(packet));

const decision = await gate.handle(wire);
console.log(decision.decision, decision.reason); // ACCEPT Packet verified and valid
console.log((await gate.handle(wire)).reason); // Replay detected
console.log((await gate.handle(wire.replace('summarize', 'wire the money'))).reason); // Invalid signature
