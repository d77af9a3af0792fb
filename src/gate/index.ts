export {
  HandoffGate,
  DEFAULT_MAX_LIFETIME_SECONDS,
  DEFAULT_STORE_TIMEOUT_MS,
  type HandoffGateOptions,
  type HandleOptions,
  type RevalidationConfig,
  type RevalidationCallOptions,
  type DecisionWithWatcher,
} from './handoff-gate.js';
export {
  REASONS,
  type ReasonStrings,
  MAX_REASON_LENGTH,
  acceptDecision,
  rejectDecision,
  isAcceptDecision,
  sanitizeDetails,
  type GateDecision,
  type AcceptDecision,
  type RejectDecision,
  type RejectReason,
  type AcceptReason,
  type StaleReason,
  type CustomRejectReason,
  type CapabilityRejectReason,
  type DecisionKind,
} from './decision.js';
export {
  TOOL_CALL_CONTEXT_KEY,
  bindToolCall,
  toolArgumentsDigest,
  checkExpectations,
  expectationsStep,
  type CallExpectations,
  type ExpectedToolCall,
  type ToolCallBinding,
} from './expectations.js';
export type { GateCall, GateHooks, StepReport } from './hooks.js';
export {
  buildSteps,
  toAdmissionPath,
  deferredFirst,
  type PipelineParts,
  type PlannedStep,
  type StepRole,
} from './pipeline.js';
export {
  HandoffContext,
  rejection,
  type GateEnvelope,
  type GateStep,
  type StepRejection,
  type StepResult,
} from './context.js';
export {
  parseGateInput,
  MAX_CAPABILITY_CHAIN_TOKENS,
  type GateInput,
  type GateParseOptions,
  type ParseFailure,
} from './parse.js';
export { audienceStep, type AudienceStepOptions } from './steps/audience.js';
export { keyBindingStep, declaredKeyStep, type KeyBindingStepOptions } from './steps/key-binding.js';
export { signatureStep, type SignatureStepOptions, type SignatureVerification } from './steps/signature.js';
export { validationStep, type ValidationStepOptions } from './steps/validation.js';
export { chainStep, DEFAULT_MAX_DELEGATION_DEPTH, type ChainStepOptions } from './steps/chain.js';
export {
  revocationStep,
  capabilityTokenIds,
  packetRevocationIds,
  type RevocationStepOptions,
} from './steps/revocation.js';
export {
  capabilityStep,
  attachCapabilityChain,
  CAPABILITY_REASONS,
  type CapabilityReasonStrings,
  type CapabilityStepOptions,
  type CapabilityStepReason,
} from './steps/capability.js';
export {
  replayStep,
  replayKey,
  DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS,
  type ReplayStepOptions,
} from './steps/replay.js';
export {
  RevalidationWatcher,
  MIN_REVALIDATION_INTERVAL_SECONDS,
  DEFAULT_REVALIDATION_JITTER,
  type RevalidationWatcherOptions,
  type RevalidationState,
} from './revalidation.js';
export { revocationRevalidator, type RevocationRevalidatorOptions } from './revalidate-revocations.js';
export {
  TaskExecutor,
  type TaskExecutorOptions,
  type TaskExecutionResult,
  type TaskContext,
  type TaskFunction,
} from './executor.js';
export {
  issueApproval,
  ApprovalVerifier,
  attachApprovals,
  packetDigest,
  type SignedApproval,
  type ApprovalDecision,
  type IssueApprovalOptions,
  type ApprovalVerifierOptions,
  type ApprovalRejectionReason,
} from '../approval/index.js';
