/**
 * The library calls whose public names change in the API renames (issue 8 item 4), in one place for
 * the Sentinel and CLI tests; exported under the new names.
 */
export {
  createEnvelope as createDelegationEnvelope,
  encodeCapabilityToken as serializeCapabilityToken,
  serializeEnvelope as serializeDelegationEnvelope,
  createMiddleware as newGate,
} from 'trusthandoff';
