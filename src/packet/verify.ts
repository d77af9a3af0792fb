import { ConfigurationError, PublicKeyMismatchError } from '../errors.js';
import { bindPresentedKey } from '../identity/key-binding.js';
import { parsePublicKeyPem, type PublicKey } from '../identity/keys.js';
import { decodeSignature } from '../identity/signature.js';
import {
  checkSignatureBackend,
  nodeSignatureBackend,
  verifyEd25519,
  verifyEd25519Async,
  type SignatureBackend,
} from '../identity/signature-backend.js';
import type { Verdict } from '../lib/verdict.js';
import type { AgentRegistry, RegisteredAgent } from '../stores/types.js';
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
 * (self-reported!) `public_key` when none is given, on `backend` (default node:crypto; the verdict is
 * the same on every backend). Never throws.
 */
export function checkPacketSignature(
  packet: SignedTaskPacket,
  publicKey?: PublicKey,
  backend: SignatureBackend = nodeSignatureBackend,
): SignatureCheck {
  const prepared = prepareCheck(packet, publicKey);
  if (typeof prepared === 'string') return prepared;
  let payload: Uint8Array;
  try {
    // Verified on this thread before the view is reused: no copy needed.
    payload = packetSigningView(packet);
  } catch {
    return 'unencodable';
  }
  return verifyEd25519(backend, prepared.key, payload, prepared.signature) ? 'valid' : 'bad_signature';
}

/**
 * {@link checkPacketSignature}, with the Ed25519 verification run on libuv's thread pool instead of
 * the calling thread, so that concurrent verifications use every core. Costs a thread hop per call:
 * prefer the synchronous form when nothing else is in flight. Never rejects.
 */
export function checkPacketSignatureAsync(
  packet: SignedTaskPacket,
  publicKey?: PublicKey,
  backend: SignatureBackend = nodeSignatureBackend,
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
  return verifyEd25519Async(backend, prepared.key, payload, prepared.signature).then((ok) =>
    ok ? 'valid' : 'bad_signature',
  );
}

/** Signature check against the packet's self-reported key. Prefer {@link verifyPacket} with a registry. */
export function insecureVerifyPacketSelfDeclaredKey(packet: SignedTaskPacket): boolean {
  return checkPacketSignature(packet) === 'valid';
}

/** Why {@link verifyPacket} refused a packet. Reason strings are stable: match on them. */
export type PacketVerifyReason =
  | 'not_registered'
  | 'key_mismatch'
  | 'agent_revoked'
  | 'registry_unavailable'
  | 'bad_signature'
  | 'malformed_signature'
  | 'invalid_public_key'
  | 'unencodable';

/** The packet and the registered key its signature verified with, or why it did not verify. */
export type PacketVerdict = Verdict<
  PacketVerifyReason,
  { readonly packet: SignedTaskPacket; readonly key: PublicKey }
>;

export interface VerifyPacketOptions {
  /** The trust anchor: `from_agent` must be registered, unrevoked, with exactly the packet's key. */
  readonly registry: AgentRegistry;
  /** Where the signature is verified (default node:crypto; same verdict on every backend). */
  readonly signatureBackend?: SignatureBackend;
}

const REFUSED: { readonly [R in PacketVerifyReason]: PacketVerdict } = Object.freeze({
  not_registered: Object.freeze({ ok: false, reason: 'not_registered' }),
  key_mismatch: Object.freeze({ ok: false, reason: 'key_mismatch' }),
  agent_revoked: Object.freeze({ ok: false, reason: 'agent_revoked' }),
  registry_unavailable: Object.freeze({ ok: false, reason: 'registry_unavailable' }),
  bad_signature: Object.freeze({ ok: false, reason: 'bad_signature' }),
  malformed_signature: Object.freeze({ ok: false, reason: 'malformed_signature' }),
  invalid_public_key: Object.freeze({ ok: false, reason: 'invalid_public_key' }),
  unencodable: Object.freeze({ ok: false, reason: 'unencodable' }),
});

/**
 * SPEC §4 `verify_packet` against a registry, as the gate decides it: `from_agent` must be registered
 * (`not_registered`) with exactly the key the packet declares (`key_mismatch`; compared as raw key
 * bytes, not PEM text), the signature must verify with the registered key, and the agent must not be
 * revoked (`agent_revoked`, asked last so a forged packet costs no revocation lookup). A registry
 * failure is `registry_unavailable`. Never throws for bad input; without a registry it rejects with
 * ConfigurationError (checking a packet against its own declared key is
 * `insecureVerifyPacketSelfDeclaredKey` in `trusthandoff/reference`).
 */
export async function verifyPacket(
  packet: SignedTaskPacket,
  options: VerifyPacketOptions,
): Promise<PacketVerdict> {
  const registry = options?.registry;
  if (registry === undefined || registry === null || typeof registry.resolve !== 'function') {
    throw new ConfigurationError('verifyPacket needs a registry (an AgentRegistry)');
  }
  const backend = checkSignatureBackend(options.signatureBackend, 'verifyPacket');
  if (packet === null || typeof packet !== 'object') return REFUSED.unencodable;
  const agentId = packet.from_agent;
  if (typeof agentId !== 'string') return REFUSED.not_registered;
  let registered: RegisteredAgent | undefined;
  try {
    registered = await registry.resolve(agentId);
  } catch {
    return REFUSED.registry_unavailable;
  }
  if (registered === undefined) return REFUSED.not_registered;
  if (typeof packet.public_key !== 'string') return REFUSED.key_mismatch;
  const binding = bindPresentedKey(registered, packet.public_key);
  if (binding !== 'bound') return REFUSED[binding];
  const check = checkPacketSignature(packet, registered.publicKey, backend);
  if (check !== 'valid') return REFUSED[check];
  try {
    if (await registry.isRevoked(agentId)) return REFUSED.agent_revoked;
  } catch {
    return REFUSED.registry_unavailable;
  }
  return Object.freeze({ ok: true, packet, key: registered.publicKey });
}

export interface ReferenceVerifyPacketOptions {
  /** With a registry, `from_agent` must be registered with exactly the packet's key. */
  readonly registry?: AgentRegistry;
}

/**
 * The reference's `verify_packet`, literally: with a registry, an unregistered sender or a key that is
 * not the registered one throws PublicKeyMismatchError (`not_registered` / `key_mismatch`); without
 * one the packet is checked against its own self-declared key. A wrong or malformed signature
 * resolves to false. Revocation is not consulted. Prefer {@link verifyPacket}.
 */
export async function referenceVerifyPacket(
  packet: SignedTaskPacket,
  options: ReferenceVerifyPacketOptions = {},
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
