import { verify } from 'node:crypto';
import { PublicKeyMismatchError } from '../errors.js';
import { bindPresentedKey } from '../identity/key-binding.js';
import { parsePublicKeyPem, type PublicKey } from '../identity/keys.js';
import { decodeSignature } from '../identity/signature.js';
import type { AgentRegistry } from '../stores/types.js';
import { packetSigningBytes, packetSigningView } from './payload.js';
import type { SignedTaskPacket } from './types.js';

/** Why a signature check failed, for callers that report reasons (the gate does). */
export type SignatureCheck =
  'valid' | 'bad_signature' | 'malformed_signature' | 'invalid_public_key' | 'unencodable';

interface PreparedCheck {
  readonly signature: Buffer;
  readonly key: PublicKey;
}

/** Everything before the payload and the Ed25519 operation: a failure reason, or signature and key. */
function prepareCheck(
  packet: SignedTaskPacket,
  publicKey: PublicKey | undefined,
): SignatureCheck | PreparedCheck {
  const signature = decodeSignature(packet.signature, 'base64');
  if (signature === undefined) return 'malformed_signature';
  let key = publicKey;
  if (key === undefined) {
    try {
      key = parsePublicKeyPem(packet.public_key);
    } catch {
      return 'invalid_public_key';
    }
  }
  return { signature, key };
}

/**
 * Check the Ed25519 signature over the SPEC §2.1 bytes with `publicKey`, or with the packet's own
 * (self-reported!) `public_key` when none is given. Never throws.
 */
export function checkPacketSignature(packet: SignedTaskPacket, publicKey?: PublicKey): SignatureCheck {
  const prepared = prepareCheck(packet, publicKey);
  if (typeof prepared === 'string') return prepared;
  let payload: Uint8Array;
  try {
    // Verified on this thread before the view is reused: no copy needed.
    payload = packetSigningView(packet);
  } catch {
    return 'unencodable';
  }
  return verify(null, payload, prepared.key.key, prepared.signature) ? 'valid' : 'bad_signature';
}

/**
 * {@link checkPacketSignature}, with the Ed25519 verification run on libuv's thread pool instead of
 * the calling thread, so that concurrent verifications use every core. Costs a thread hop per call:
 * prefer the synchronous form when nothing else is in flight. Never rejects.
 */
export function checkPacketSignatureAsync(
  packet: SignedTaskPacket,
  publicKey?: PublicKey,
): Promise<SignatureCheck> {
  const prepared = prepareCheck(packet, publicKey);
  if (typeof prepared === 'string') return Promise.resolve(prepared);
  let payload: Buffer;
  try {
    // The thread pool reads the bytes later: they need a buffer of their own.
    payload = packetSigningBytes(packet);
  } catch {
    return Promise.resolve('unencodable');
  }
  return new Promise((resolve) => {
    verify(null, payload, prepared.key.key, prepared.signature, (error, ok) => {
      resolve((error === null || error === undefined) && ok ? 'valid' : 'bad_signature');
    });
  });
}

/** Signature check against the packet's self-reported key. Prefer {@link verifyPacket} with a registry. */
export function insecureVerifyPacketSelfDeclaredKey(packet: SignedTaskPacket): boolean {
  return checkPacketSignature(packet) === 'valid';
}

export interface VerifyPacketOptions {
  /** The trust anchor: `from_agent` must be registered with exactly the packet's key. */
  readonly registry?: AgentRegistry;
}

/**
 * SPEC §4 `verify_packet`. With a registry, the registered key of `from_agent` must exist
 * (PublicKeyMismatchError `not_registered`) and equal `public_key` (`key_mismatch`); keys are compared
 * as raw key bytes, not PEM text. A wrong or malformed signature resolves to false.
 */
export async function verifyPacket(
  packet: SignedTaskPacket,
  options: VerifyPacketOptions = {},
): Promise<boolean> {
  if (options.registry === undefined) return insecureVerifyPacketSelfDeclaredKey(packet);
  const registered = await resolveBoundKey(packet, options.registry);
  return checkPacketSignature(packet, registered) === 'valid';
}

/** The registered key of the packet's sender, checked to be the packet's key. Throws PublicKeyMismatchError. */
export async function resolveBoundKey(packet: SignedTaskPacket, registry: AgentRegistry): Promise<PublicKey> {
  const agent = await registry.resolve(packet.from_agent);
  const binding = bindPresentedKey(agent, packet.public_key);
  if (binding !== 'bound' || agent === undefined) {
    throw new PublicKeyMismatchError(packet.from_agent, binding === 'bound' ? 'not_registered' : binding);
  }
  return agent.publicKey;
}
