/**
 * `trusthandoff/gate`: building blocks for custom pipelines and services — the gate's steps and the
 * step builder, the per-request context, every reject reason, the packet validator, the revalidation
 * watcher, the capability step and the capability-token envelope, and the option and result types of
 * the components on the root entry.
 */
export {
  DEFAULT_MAX_LIFETIME_SECONDS,
  DEFAULT_STORE_TIMEOUT_MS,
  type GateCapabilityOptions,
  type RevalidationConfig,
  type RevalidationCallOptions,
  type DecisionWithWatcher,
} from './handoff-gate.js';
export {
  REASONS,
  MAX_REASON_LENGTH,
  type ReasonStrings,
  type RejectDecision,
  type AcceptReason,
  type StaleReason,
  type CustomRejectReason,
  type CapabilityRejectReason,
  type DecisionKind,
} from './decision.js';
export {
  TOOL_CALL_CONTEXT_KEY,
  toolArgumentsDigest,
  expectationsStep,
  type ExpectedToolCall,
  type ToolCallBinding,
} from './expectations.js';
export type { GateCall, StepReport } from './hooks.js';
export { buildSteps, type PipelineParts, type PlannedStep, type StepRole } from './pipeline.js';
export {
  HandoffContext,
  rejection,
  type GateEnvelope,
  type GateStep,
  type StepRejection,
  type StepResult,
} from './context.js';
export type { GateInput } from './parse.js';
export { audienceStep, type AudienceStepOptions } from './steps/audience.js';
export { keyBindingStep, declaredKeyStep, type KeyBindingStepOptions } from './steps/key-binding.js';
export { signatureStep, type SignatureStepOptions, type SignatureVerification } from './steps/signature.js';
export { validationStep, type ValidationStepOptions } from './steps/validation.js';
export { chainStep, DEFAULT_MAX_DELEGATION_DEPTH, type ChainStepOptions } from './steps/chain.js';
export { revocationStep, type RevocationStepOptions } from './steps/revocation.js';
export {
  capabilityStep,
  CAPABILITY_REASONS,
  type CapabilityReasonStrings,
  type CapabilityStepOptions,
  type CapabilityStepReason,
} from './steps/capability.js';
export {
  replayStep,
  DEFAULT_REPLAY_RETENTION_MARGIN_SECONDS,
  type ReplayStepOptions,
} from './steps/replay.js';
export {
  RevalidationWatcher,
  MIN_REVALIDATION_INTERVAL_SECONDS,
  DEFAULT_REVALIDATION_JITTER,
  type RevalidationWatcherOptions,
  type RevalidationState,
  type WatcherInvalidation,
} from './revalidation.js';
export {
  revocationRevalidator,
  watchedRevocations,
  type RevocationRevalidatorOptions,
  type WatchedRevocations,
} from './revalidate-revocations.js';
export {
  type TaskExecutorOptions,
  type TaskExecutionResult,
  type TaskContext,
  type TaskFunction,
} from './executor.js';
export {
  PacketValidator,
  type PacketValidatorOptions,
  type ValidationVerdict,
  type ValidationReason,
  type HumanApprovalCheck,
  type ValidationContext,
} from '../packet/validate.js';
export type { PacketVerifyReason, VerifyPacketOptions } from '../packet/verify.js';
export type { SignedApproval, ApprovalDecision } from '../approval/types.js';
export type { IssueApprovalOptions } from '../approval/issue.js';
export type { ApprovalVerifierOptions, ApprovalRejectionReason } from '../approval/verify.js';
export {
  verifyCapabilityChain,
  DEFAULT_MAX_CHAIN_LENGTH,
  type CapabilityChainReason,
  type CapabilityChainVerifierOptions,
  type CapabilityChainVerifierSettings,
  type TrustedRoot,
  type VerifyChainOptions,
} from '../capability/chain.js';
export type { AuthorizationReason, AuthorizationVerdict } from '../capability/authorize.js';
export {
  allowAllPolicy,
  denyActionPolicy,
  denyFileWritePolicy,
  type CapabilityPolicy,
  type PolicyDecision,
} from '../capability/policy.js';
export type {
  AuthorizedFunction,
  ExecutionContext,
  CapabilityExecutorOptions,
  CapabilityExecutorSettings,
  ExecuteOptions,
  ExecutePacketOptions,
  ExecutionDenialReason,
  ExecutionVerdict,
} from '../capability/execute.js';
export type { DeriveCapabilityInput, DeriveCapabilityOptions } from '../capability/derive.js';
export {
  createCapabilityTokenEnvelope,
  parseCapabilityTokenEnvelope,
  serializeCapabilityTokenEnvelope,
  CapabilityEnvelopeVerifier,
  DEFAULT_ENVELOPE_MAX_AGE_SECONDS,
  MAX_ENVELOPE_NONCE_LENGTH,
  type CapabilityTokenEnvelope,
  type CapabilityEnvelopeVerdict,
  type CapabilityEnvelopeVerifierOptions,
  type EnvelopeRejectionReason,
  type VerifyEnvelopeOptions,
} from '../capability/envelope.js';
export {
  ATTESTATION_STATUSES,
  DEFAULT_ATTESTATION_MAX_AGE_SECONDS,
  ATTESTATION_FUTURE_SKEW_SECONDS,
  type AttestationStatus,
  type AttestationRejectReason,
  type AttestationVerdict,
  type AttestationSigner,
  type OutcomeEncoding,
} from '../attestation/types.js';
export type { IssueAttestationOptions } from '../attestation/create.js';
export type { VerifyAttestationOptions, AttestationPublicKey } from '../attestation/verify.js';
export type { VerifyAttestationOnceOptions } from '../attestation/verify-once.js';
export type { AttestationReplayTrackerOptions } from '../attestation/replay.js';
export type {
  WrapNodeOptions,
  NodeOutput,
  NodeErrorResult,
  NodeErrorReason,
} from '../attestation/wrap-node.js';
export {
  parseNodeOutput,
  MAX_NODE_OUTPUT_BYTES,
  type ReceivedNodeOutput,
} from '../attestation/node-output.js';
export type { VerifyNodeOutputOptions, NodeOutputVerdict } from '../attestation/verify-node-output.js';
