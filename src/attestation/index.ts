export {
  ATTESTATION_STATUSES,
  ATTESTATION_FIELDS,
  MIN_TIMESTAMP_MS,
  ATTESTATION_FUTURE_SKEW_MS,
  DEFAULT_ATTESTATION_MAX_AGE_MS,
  MAX_OUTCOME_BYTES,
  RESERVED_OUTCOME_KEYS,
  MAX_ATTESTATION_PACKET_ID_LENGTH,
  type AttestationStatus,
  type ExecutionAttestation,
  type ExecutionAttestationJson,
  type OutcomeEncoding,
  type AttestationSigner,
  type AttestationRejectReason,
  type AttestationVerdict,
} from './types.js';
export { outcomeCanonicalJson, outcomeBytes, outcomeHash } from './outcome.js';
export { attestationSigningPayload, type AttestationSignedFields } from './payload.js';
export { createAttestation, type CreateAttestationOptions } from './create.js';
export { serializeAttestation, parseAttestation, attestationFromJson, attestationToJson } from './wire.js';
export { verifyAttestation, type VerifyAttestationOptions, type AttestationPublicKey } from './verify.js';
export { AttestationReplayTracker, type AttestationReplayTrackerOptions } from './replay.js';
export { verifyAttestationOnce, type VerifyAttestationOnceOptions } from './verify-once.js';
export {
  wrapNode,
  type WrapNodeOptions,
  type NodeOutput,
  type NodeErrorResult,
  type NodeErrorReason,
} from './wrap-node.js';
export {
  serializeNodeOutput,
  parseNodeOutput,
  nodeOutputFromJson,
  type ReceivedNodeOutput,
} from './node-output.js';
export {
  verifyNodeOutput,
  type VerifyNodeOutputOptions,
  type NodeOutputVerdict,
} from './verify-node-output.js';
