export { CAPABILITY_FIELDS, type CapabilityDraft, type DelegationCapability } from './types.js';
export { parseCapability, MAX_CAPABILITY_ID_LENGTH, MAX_ALLOWED_ACTIONS } from './fields.js';
export { createCapability, type CapabilityInput, type CreateCapabilityOptions } from './create.js';
export { capabilitySigningPayload } from './payload.js';
export { signCapability, issueCapability } from './sign.js';
export {
  checkCapabilitySignature,
  insecureVerifyCapabilitySelfDeclaredKey,
  type CapabilitySignatureCheck,
} from './verify.js';
export {
  serializeCapabilityToken,
  parseCapabilityToken,
  DEFAULT_MAX_TOKEN_LENGTH,
  type ParseCapabilityTokenOptions,
} from './token.js';
export {
  checkCapabilityDerivation,
  deriveCapability,
  type DerivationCheckReason,
  type DeriveCapabilityInput,
  type DeriveCapabilityOptions,
} from './derive.js';
export {
  validateCapabilityChain,
  CapabilityChainVerifier,
  verifyCapabilityChain,
  DEFAULT_MAX_CHAIN_LENGTH,
  DEFAULT_CHAIN_STORE_TIMEOUT_MS,
  type CapabilityChainReason,
  type CapabilityChainVerdict,
  type CapabilityChainVerifierOptions,
  type CapabilityChainVerifierSettings,
  type TrustedRoot,
  type VerifyChainOptions,
} from './chain.js';
export { authorizeAction, type AuthorizationReason, type AuthorizationVerdict } from './authorize.js';
export {
  allowAllPolicy,
  denyActionPolicy,
  denyFileWritePolicy,
  type CapabilityPolicy,
  type PolicyDecision,
} from './policy.js';
export {
  CapabilityExecutor,
  type AuthorizedFunction,
  type ExecutionContext,
  type CapabilityExecutorOptions,
  type CapabilityExecutorSettings,
  type ExecuteOptions,
  type ExecutePacketOptions,
  type ExecutionDenialReason,
  type ExecutionVerdict,
} from './execute.js';
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
} from './envelope.js';
