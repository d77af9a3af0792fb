export { CAPABILITY_FIELDS, type CapabilityDraft, type DelegationCapability } from './types.js';
export { capabilityFromJson, MAX_CAPABILITY_ID_LENGTH, MAX_ALLOWED_ACTIONS } from './fields.js';
export { createCapability, type CapabilityInput, type CreateCapabilityOptions } from './create.js';
export { capabilitySigningPayload } from './payload.js';
export { signCapability, issueCapability } from './sign.js';
export {
  checkCapabilitySignature,
  verifyCapabilitySignature,
  type CapabilitySignatureCheck,
} from './verify.js';
export {
  encodeCapabilityToken,
  decodeCapabilityToken,
  DEFAULT_MAX_TOKEN_LENGTH,
  type DecodeTokenOptions,
} from './token.js';
export {
  checkCapabilityDerivation,
  isValidDerivation,
  deriveCapability,
  type DerivationCheckReason,
  type DeriveCapabilityInput,
  type DeriveCapabilityOptions,
} from './derive.js';
export {
  validateCapabilityChain,
  createCapabilityChainVerifier,
  verifyCapabilityChain,
  DEFAULT_MAX_CHAIN_LENGTH,
  DEFAULT_CHAIN_STORE_TIMEOUT_MS,
  type CapabilityChainReason,
  type CapabilityChainResult,
  type CapabilityChainVerifier,
  type CapabilityVerifierOptions,
  type TrustedRoot,
  type VerifyChainOptions,
} from './chain.js';
export {
  authorizeAction,
  isActionAuthorized,
  type AuthorizationReason,
  type AuthorizationResult,
} from './authorize.js';
export {
  allowAllPolicy,
  denyActionPolicy,
  denyFileWritePolicy,
  type CapabilityPolicy,
  type PolicyDecision,
} from './policy.js';
export {
  createCapabilityExecutor,
  executeAuthorizedAction,
  executePacketAuthorizedAction,
  type AuthorizedExecution,
  type CapabilityAuditEvent,
  type CapabilityExecutor,
  type CapabilityExecutorOptions,
  type ExecuteOptions,
  type ExecutePacketOptions,
  type ExecutionDenialReason,
} from './execute.js';
export {
  createCapabilityTokenEnvelope,
  envelopeFromJson,
  parseCapabilityTokenEnvelope,
  serializeCapabilityTokenEnvelope,
  createCapabilityEnvelopeVerifier,
  DEFAULT_ENVELOPE_MAX_AGE_SECONDS,
  MAX_ENVELOPE_NONCE_LENGTH,
  type CapabilityTokenEnvelope,
  type CapabilityEnvelopeVerifier,
  type CapabilityEnvelopeVerifierOptions,
  type EnvelopeRejectionReason,
  type EnvelopeVerification,
  type VerifyEnvelopeOptions,
} from './envelope.js';
