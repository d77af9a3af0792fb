/**
 * `trusthandoff/wire`: the byte-level layer — canonical encoders (SPEC §2), the bounded lossless
 * parser, JSON value types, base64, timestamps, unsigned drafts and the exact bytes every signature
 * covers. For interop work, other-language ports and tests; applications rarely need it.
 */
export {
  JsonFloat,
  type JsonValue,
  type JsonObject,
  type JsonArray,
  type JsonPrimitive,
} from './json-value.js';
export { parseJson, DEFAULT_JSON_LIMITS, type JsonLimits } from './parse-json.js';
export {
  canonicalPacketJson,
  canonicalCapabilityJson,
  canonicalOutcomeJson,
  encodeJson,
  DEFAULT_ENCODE_MAX_DEPTH,
  OUTCOME_MAX_DEPTH,
  type EncodeOptions,
} from './canonical.js';
export { canonicalNumber } from './python-float.js';
export { Timestamp } from './timestamp.js';
export { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from './base64.js';
export { snapshotJson } from './snapshot.js';
export {
  DEFAULT_TTL_POLICY,
  PACKET_FIELDS,
  type Permissions,
  type Constraints,
  type Provenance,
  type TaskPacketDraft,
  type DelegationChain,
  type DelegationHop,
  type TtlPolicy,
} from '../packet/types.js';
export type { CreatePacketOptions } from '../packet/create.js';
export { packetSigningPayload, packetSigningBytes } from '../packet/payload.js';
export type { ParseOptions, WireForm } from '../packet/wire.js';
export { CAPABILITY_FIELDS, type CapabilityDraft } from '../capability/types.js';
export { parseCapability, MAX_CAPABILITY_ID_LENGTH, MAX_ALLOWED_ACTIONS } from '../capability/fields.js';
export {
  createCapability,
  type CapabilityInput,
  type CreateCapabilityOptions,
} from '../capability/create.js';
export { signCapability } from '../capability/sign.js';
export { capabilitySigningPayload } from '../capability/payload.js';
export { DEFAULT_MAX_TOKEN_LENGTH, type ParseCapabilityTokenOptions } from '../capability/token.js';
export {
  ATTESTATION_FIELDS,
  MIN_TIMESTAMP_MS,
  MAX_OUTCOME_BYTES,
  RESERVED_OUTCOME_KEYS,
  MAX_ATTESTATION_PACKET_ID_LENGTH,
  type ExecutionAttestationJson,
} from '../attestation/types.js';
export { outcomeCanonicalJson, outcomeBytes, outcomeHash } from '../attestation/outcome.js';
export { attestationSigningPayload, type AttestationSignedFields } from '../attestation/payload.js';
export { serializeAttestation, parseAttestation, attestationToJson } from '../attestation/wire.js';
export { packetDigest } from '../approval/digest.js';
export { approvalSigningBytes } from '../approval/payload.js';
