import { canonicalPacketJson, quoteAscii } from '../wire/canonical.js';
import type { TaskPacketDraft } from './types.js';

function encodeString(value: unknown): string {
  return typeof value === 'string' ? quoteAscii(value) : canonicalPacketJson(value);
}

/**
 * The SPEC §2.1 canonical bytes a packet signature covers, as a string: every field but `signature`,
 * keys in code point order (written out here, since the top-level keys are fixed; the hot path of
 * signing and verifying), nested values through the one canonical encoder.
 */
export function packetSigningPayload(packet: TaskPacketDraft & { readonly public_key: string }): string {
  return (
    '{"ai_provenance":' +
    canonicalPacketJson(packet.ai_provenance) +
    ',"capability_token":' +
    encodeString(packet.capability_token) +
    ',"constraints":' +
    canonicalPacketJson(packet.constraints) +
    ',"context":' +
    canonicalPacketJson(packet.context) +
    ',"expires_at":' +
    canonicalPacketJson(packet.expires_at) +
    ',"from_agent":' +
    encodeString(packet.from_agent) +
    ',"goal":' +
    encodeString(packet.goal) +
    ',"intent":' +
    encodeString(packet.intent) +
    ',"issued_at":' +
    canonicalPacketJson(packet.issued_at) +
    ',"memory_refs":' +
    canonicalPacketJson(packet.memory_refs) +
    ',"nonce":' +
    encodeString(packet.nonce) +
    ',"packet_id":' +
    encodeString(packet.packet_id) +
    ',"permissions":' +
    canonicalPacketJson(packet.permissions) +
    ',"provenance":' +
    canonicalPacketJson(packet.provenance) +
    ',"public_key":' +
    encodeString(packet.public_key) +
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
    canonicalPacketJson(packet.ttl_seconds) +
    '}'
  );
}
