/**
 * `trusthandoff/reference`: the Python reference's behaviour, literally, for migration and interop
 * tests. Every name starts with `reference` or `insecure`, so nobody reaches for one by accident: an
 * application verifies packets with `verifyPacket` (registry required) and decides with the gate.
 */
export {
  referenceVerifyPacket,
  insecureVerifyPacketSelfDeclaredKey,
  type ReferenceVerifyPacketOptions,
} from '../packet/verify.js';
export { insecureVerifyCapabilitySelfDeclaredKey } from '../capability/verify.js';
export { referenceValidatePacket } from '../packet/validate.js';
export { signedTask, getTaskMetadata, packetFromTask, type TaskMetadata } from '../packet/task.js';
