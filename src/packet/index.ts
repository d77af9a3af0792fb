export {
  DEFAULT_TTL_POLICY,
  PACKET_FIELDS,
  type Constraints,
  type DelegationChain,
  type DelegationEnvelope,
  type DelegationHop,
  type Permissions,
  type Provenance,
  type SignedTaskPacket,
  type TaskPacketDraft,
  type TtlPolicy,
} from './types.js';
export { createTaskPacket, type TaskPacketInput, type CreatePacketOptions } from './create.js';
export { resolveTtl, type ResolvedTtl } from './ttl-policy.js';
export { signPacket, issueTaskPacket } from './sign.js';
export { packetSigningPayload, packetSigningBytes } from './payload.js';
export {
  verifyPacket,
  checkPacketSignature,
  checkPacketSignatureAsync,
  resolveBoundKey,
  type PacketVerdict,
  type PacketVerifyReason,
  type SignatureCheck,
  type VerifyPacketOptions,
} from './verify.js';
export {
  parsePacket,
  parseDelegationEnvelope,
  serializePacket,
  serializeDelegationEnvelope,
  type ParseOptions,
  type WireForm,
} from './wire.js';
export {
  createChain,
  extendDelegationChain,
  createDelegationEnvelope,
  chainDepth,
  chainHasLoop,
  isPermissionSubset,
  isChainNarrowing,
} from './chain.js';
export {
  PacketValidator,
  type PacketValidatorOptions,
  type ValidationVerdict,
  type ValidationReason,
  type HumanApprovalCheck,
  type ValidationContext,
} from './validate.js';
