import { parsePublicKeyPem, type PublicKey } from '../identity/keys.js';
import { decodeSignature } from '../identity/signature.js';
import { nodeSignatureBackend, verifyEd25519, type SignatureBackend } from '../identity/signature-backend.js';
import { capabilitySigningBytes } from './payload.js';
import type { DelegationCapability } from './types.js';

/** Why a capability signature check failed. */
export type CapabilitySignatureCheck =
  | 'valid'
  | 'bad_signature'
  | 'malformed_signature'
  | 'invalid_public_key'
  | 'unsupported_signature_algo'
  | 'unencodable';

/**
 * Check the Ed25519 signature over the SPEC §2.3 bytes with `publicKey`, or with the capability's own
 * (self-reported!) `public_key` when none is given. Never throws. A valid signature proves only that
 * the holder of that key signed; binding the key to `issuer_agent` is the chain verifier's job.
 * `backend` (default node:crypto) decides where the Ed25519 operation runs, never the verdict.
 */
export function checkCapabilitySignature(
  capability: DelegationCapability,
  publicKey?: PublicKey,
  backend: SignatureBackend = nodeSignatureBackend,
): CapabilitySignatureCheck {
  if (capability.signature_algo !== 'Ed25519') return 'unsupported_signature_algo';
  const signature = decodeSignature(capability.signature, 'base64');
  if (signature === undefined) return 'malformed_signature';
  let key = publicKey;
  if (key === undefined) {
    try {
      key = parsePublicKeyPem(capability.public_key);
    } catch {
      return 'invalid_public_key';
    }
  }
  let payload: Buffer;
  try {
    payload = capabilitySigningBytes(capability);
  } catch {
    return 'unencodable';
  }
  return verifyEd25519(backend, key, payload, signature) ? 'valid' : 'bad_signature';
}

/** Signature check against the capability's self-reported key. Prefer `verifyCapabilityChain`. */
export function insecureVerifyCapabilitySelfDeclaredKey(capability: DelegationCapability): boolean {
  return checkCapabilitySignature(capability) === 'valid';
}
