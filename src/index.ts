/**
 * trusthandoff — verifiable task delegation between AI agents.
 *
 * The root entry holds what an application calls; every name here is listed on purpose
 * (test/public-surface.test.ts fails when one is added without being listed there). Building blocks
 * live on their own entry points: `trusthandoff/gate` (steps, reasons, validators, watchers, the
 * capability-token envelope), `trusthandoff/wire` (canonical bytes, parsing, drafts, signing
 * payloads), `trusthandoff/stores` (store interfaces and every memory store), `trusthandoff/events`
 * (the event catalogue and sink interface), `trusthandoff/identity` (key files, JWK, did:key),
 * `trusthandoff/errors` (every error class) and `trusthandoff/reference` (reference-literal checks).
 * The core loads no optional integration (Redis, PostgreSQL, NATS, Kafka, OpenTelemetry, MCP).
 */

// Identities
export { AgentIdentity } from './identity/agent-identity.js';
export { agentIdFromPublicKeyPem } from './identity/agent-id.js';
export { loadIdentity } from './identity/load-identity.js';
export { saveIdentity } from './identity/save-identity.js';
export { loadAgentKeys } from './identity/load-agent-keys.js';
export type { PublicKey } from './identity/keys.js';

// Task packets and delegation envelopes
export { createTaskPacket, type TaskPacketInput } from './packet/create.js';
export { signPacket, issueTaskPacket } from './packet/sign.js';
export { verifyPacket, type PacketVerdict } from './packet/verify.js';
export {
  parsePacket,
  parseDelegationEnvelope,
  serializePacket,
  serializeDelegationEnvelope,
} from './packet/wire.js';
export { createDelegationEnvelope, extendDelegationChain } from './packet/chain.js';
export type { SignedTaskPacket, DelegationEnvelope } from './packet/types.js';

// The gate
export { HandoffGate, type HandoffGateOptions, type HandleOptions } from './gate/handoff-gate.js';
export { TaskExecutor } from './gate/executor.js';
export { bindToolCall, type CallExpectations } from './gate/expectations.js';
export {
  isAcceptDecision,
  type GateDecision,
  type AcceptDecision,
  type RejectReason,
} from './gate/decision.js';
export type { GateHooks } from './gate/hooks.js';

// Stores for a single process (networked stores: trusthandoff/redis, trusthandoff/postgres)
export { MemoryAgentRegistry } from './stores/memory/agent-registry.js';
export { MemoryReplayStore } from './stores/memory/replay-store.js';
export { MemoryRevocationStore } from './stores/memory/revocation-store.js';
export type { AgentRegistry, ReplayStore, RevocationStore } from './stores/types.js';

// Capabilities
export { issueCapability } from './capability/sign.js';
export { deriveCapability } from './capability/derive.js';
export { serializeCapabilityToken, parseCapabilityToken } from './capability/token.js';
export { CapabilityChainVerifier, type CapabilityChainVerdict } from './capability/chain.js';
export { CapabilityExecutor } from './capability/execute.js';
export { authorizeAction } from './capability/authorize.js';
export { attachCapabilityChain } from './gate/steps/capability.js';
export type { DelegationCapability } from './capability/types.js';

// Execution attestations
export { issueAttestation } from './attestation/create.js';
export { verifyAttestation } from './attestation/verify.js';
export { verifyAttestationOnce } from './attestation/verify-once.js';
export { AttestationReplayTracker } from './attestation/replay.js';
export { wrapNode } from './attestation/wrap-node.js';
export { serializeNodeOutput } from './attestation/node-output.js';
export { verifyNodeOutput } from './attestation/verify-node-output.js';
export type { ExecutionAttestation } from './attestation/types.js';

// Signed human approvals
export { issueApproval, attachApprovals } from './approval/issue.js';
export { ApprovalVerifier } from './approval/verify.js';

// Events
export { EventHub } from './events/hub.js';
export { MemoryEventSink } from './events/memory-sink.js';
export type { EventPort, TrustHandoffEvent } from './events/types.js';

// Errors an application catches by class (every class: trusthandoff/errors)
export {
  TrustHandoffError,
  isTrustHandoffError,
  ConfigurationError,
  PayloadValidationError,
  StoreUnavailableError,
  CapabilityDerivationError,
  type TrustHandoffErrors,
  type TrustHandoffErrorCode,
} from './errors.js';

// Wire values an application passes in (expires_at, …)
export { Timestamp } from './wire/timestamp.js';
