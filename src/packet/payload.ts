import { canonicalPacketJson, quoteAscii } from '../wire/canonical.js';
import { Timestamp } from '../wire/timestamp.js';
import type { TaskPacketDraft } from './types.js';

// Senders repeat their key in every packet, and a PEM's newlines make it the costliest string to quote.
const QUOTED_PEM_CACHE_SIZE = 1024;
const quotedPems = new Map<string, string>();

function encodePublicKey(value: unknown): string {
  if (typeof value !== 'string') return canonicalPacketJson(value);
  let quoted = quotedPems.get(value);
  if (quoted === undefined) {
    quoted = quoteAscii(value);
    if (quotedPems.size >= QUOTED_PEM_CACHE_SIZE) quotedPems.delete(quotedPems.keys().next().value!);
    quotedPems.set(value, quoted);
  }
  return quoted;
}

// Fast paths for the common shapes; anything unexpected goes through the one generic encoder, so a
// mistyped field is encoded (or refused) exactly as everywhere else.
function encodeString(value: unknown): string {
  return typeof value === 'string' ? quoteAscii(value) : value === null ? 'null' : canonicalPacketJson(value);
}

function encodeOptional(value: unknown): string {
  return value === null ? 'null' : canonicalPacketJson(value);
}

function encodeTimestamp(value: unknown): string {
  // A canonical timestamp is digits, '-', ':', 'T', '.', 'Z' and '+': nothing to escape.
  return value instanceof Timestamp ? `"${value.toCanonical()}"` : canonicalPacketJson(value);
}

/** The canonical payload as bytes. It is pure ASCII (SPEC §2.1 escapes everything else), so latin1 is exact. */
export function packetSigningBytes(packet: TaskPacketDraft & { readonly public_key: string }): Buffer {
  return Buffer.from(packetSigningPayload(packet), 'latin1');
}

/**
 * The SPEC §2.1 canonical bytes a packet signature covers, as a string: every field but `signature`,
 * keys in code point order (written out here, since the top-level keys are fixed; the hot path of
 * signing and verifying), nested values through the one canonical encoder.
 */
export function packetSigningPayload(packet: TaskPacketDraft & { readonly public_key: string }): string {
  return (
    '{"ai_provenance":' +
    encodeOptional(packet.ai_provenance) +
    ',"capability_token":' +
    encodeString(packet.capability_token) +
    ',"constraints":' +
    encodeOptional(packet.constraints) +
    ',"context":' +
    canonicalPacketJson(packet.context) +
    ',"expires_at":' +
    encodeTimestamp(packet.expires_at) +
    ',"from_agent":' +
    encodeString(packet.from_agent) +
    ',"goal":' +
    encodeString(packet.goal) +
    ',"intent":' +
    encodeString(packet.intent) +
    ',"issued_at":' +
    encodeTimestamp(packet.issued_at) +
    ',"memory_refs":' +
    canonicalPacketJson(packet.memory_refs) +
    ',"nonce":' +
    encodeString(packet.nonce) +
    ',"packet_id":' +
    encodeString(packet.packet_id) +
    ',"permissions":' +
    canonicalPacketJson(packet.permissions) +
    ',"provenance":' +
    encodeOptional(packet.provenance) +
    ',"public_key":' +
    encodePublicKey(packet.public_key) +
    ',"risk_level":' +
    encodeString(packet.risk_level) +
    ',"signature_algo":' +
    encodeString(packet.signature_algo) +
    ',"task_id":' +
    encodeString(packet.task_id) +
    ',"task_type":' +
    encodeString(packet.task_type) +
    ',"to_agent":' +
    encodeString(packet.to_agent) +
    ',"ttl_seconds":' +
    encodeOptional(packet.ttl_seconds) +
    '}'
  );
}
