import {
  AgentIdentity,
  ApprovalVerifier,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createDelegationEnvelope,
  issueTaskPacket,
} from 'trusthandoff';
import { sodiumBackend } from 'trusthandoff/sodium';

// One backend object, passed explicitly to whatever signs or verifies (needs `npm install sodium-native`).
const signatures = sodiumBackend();

// Signing: the identity imports its key into libsodium once; signatures are byte-identical to node:crypto's.
const planner = AgentIdentity.generate().withSignatureBackend(signatures);
const worker = AgentIdentity.generate();

const registry = new MemoryAgentRegistry();
await registry.register(planner.agentId, planner.publicKeyPem);
const gate = new HandoffGate({
  agentId: worker.agentId,
  registry,
  replayStore: new MemoryReplayStore(),
  signatureBackend: signatures, // the packet signature and capability links
  signatureVerification: 'sync', // libsodium on the calling thread ('threadpool' runs node:crypto's pool)
  humanApproval: new ApprovalVerifier({ approvers: new MemoryAgentRegistry(), signatureBackend: signatures }),
});

const packet = issueTaskPacket(planner, {
  to_agent: worker.agentId,
  intent: 'summarize',
  risk_level: 'read',
});
console.log((await gate.handle(createDelegationEnvelope(packet))).decision); // ACCEPT
