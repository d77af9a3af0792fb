/**
 * The gate folder's own barrel, for the library's other modules and the tests: the public
 * `trusthandoff/gate` entry (./public.ts), the gate names the root entry holds, and the internals
 * that are not published. Nothing here is an import path of the package.
 */
export * from './public.js';
export { HandoffGate, type HandoffGateOptions, type HandleOptions } from './handoff-gate.js';
export { TaskExecutor } from './executor.js';
export { bindToolCall, checkExpectations, type CallExpectations } from './expectations.js';
export {
  acceptDecision,
  rejectDecision,
  isAcceptDecision,
  sanitizeDetails,
  type GateDecision,
  type AcceptDecision,
  type RejectReason,
} from './decision.js';
export type { GateHooks } from './hooks.js';
export { toAdmissionPath, deferredFirst } from './pipeline.js';
export {
  parseGateInput,
  MAX_CAPABILITY_CHAIN_TOKENS,
  type GateParseOptions,
  type ParseFailure,
} from './parse.js';
export { capabilityTokenIds, packetRevocationIds } from './steps/revocation.js';
export { attachCapabilityChain } from './steps/capability.js';
export { replayKey } from './steps/replay.js';
export { issueApproval, ApprovalVerifier, attachApprovals, packetDigest } from '../approval/index.js';
