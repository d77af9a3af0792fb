import { MAX_PEM_LENGTH } from '../identity/keys.js';
import { boundedMemo } from '../lib/bounded-memo.js';
import { canonicalPacketJson, isPlainAscii, quoteAscii } from '../wire/canonical.js';
import { Timestamp } from '../wire/timestamp.js';
import { isCheckedPermissions } from './checked.js';
import type { TaskPacketDraft } from './types.js';

/**
 * The same ASCII text as one flat string (made from its bytes): escaping and concatenation leave a
 * tree of pieces that every payload would otherwise walk again when it is turned into bytes.
 */
function flat(ascii: string): string {
  return Buffer.from(ascii, 'latin1').toString('latin1');
}

// Senders repeat their key in every packet, and a PEM's newlines make it the costliest string to quote:
// the quoted key is kept, with the key literal that always follows it.
const quotedKeyThenRiskKey = boundedMemo(1024, MAX_PEM_LENGTH, (pem) =>
  flat(quoteAscii(pem) + ',"risk_level":'),
);

/** The `public_key` value and the `risk_level` key after it. */
function encodePublicKeyThenRiskKey(value: unknown): string {
  return typeof value === 'string'
    ? quotedKeyThenRiskKey(value)
    : canonicalPacketJson(value) + ',"risk_level":';
}

// A sender's id repeats in its packets too: with no goal, the id, the keys around it and the null
// goal are one string. Only for ids already checked to need no escaping.
const senderSegment = boundedMemo(1024, 256, (fromAgent) =>
  flat(`","from_agent":"${fromAgent}","goal":null,"intent":"`),
);

// Fast paths for the common shapes; anything unexpected goes through the one generic encoder, so a
// mistyped field is encoded (or refused) exactly as everywhere else.
function encodeString(value: unknown): string {
  return typeof value === 'string' ? quoteAscii(value) : value === null ? 'null' : canonicalPacketJson(value);
}

// The risk levels of the default TTL policy (and none), each with the key literal that follows it.
const RISK_LEVEL_LITERALS: ReadonlyMap<unknown, string> = new Map<unknown, string>(
  [null, 'read', 'write'].map((level) => [
    level,
    `${level === null ? 'null' : `"${level}"`},"signature_algo":"`,
  ]),
);

/** The `risk_level` value and the `signature_algo` key after it, with the opening quote of its value. */
function riskLevelThenAlgorithmKey(value: unknown): string {
  return RISK_LEVEL_LITERALS.get(value) ?? encodeString(value) + ',"signature_algo":"';
}

// The same for the one algorithm packets are signed with, through the opening quote of `task_id`.
const RISK_LEVEL_ED25519_LITERALS: ReadonlyMap<unknown, string> = new Map<unknown, string>(
  [...RISK_LEVEL_LITERALS].map(([level, literal]) => [level, `${literal}Ed25519","task_id":"`]),
);

/** `risk_level` and `signature_algo` (already known to need no escaping), up to the `task_id` value. */
function riskLevelAndAlgorithm(risk: unknown, algorithm: string): string {
  return (
    (algorithm === 'Ed25519' ? RISK_LEVEL_ED25519_LITERALS.get(risk) : undefined) ??
    riskLevelThenAlgorithmKey(risk) + algorithm + '","task_id":"'
  );
}

/**
 * Permissions built by the library have a known shape (see {@link isCheckedPermissions}): written out
 * without the generic walk. Anything else goes through the one generic encoder.
 */
function encodePermissions(value: unknown): string {
  if (!isCheckedPermissions(value)) return canonicalPacketJson(value);
  const max = value.max_tool_calls;
  // A safe integer's canonical form is its decimal digits (and -0 is written 0, as String does).
  return (
    '{"allowed_actions":' +
    encodeStringList(value.allowed_actions) +
    (max === null ? ',"max_tool_calls":null}' : ',"max_tool_calls":' + String(max) + '}')
  );
}

/**
 * A list of strings that need no escaping, written with their quotes joined to the separators; any
 * other list goes through the generic encoder. Each item is read once, so what is checked is written.
 */
function encodeStringList(value: unknown): string {
  if (!Array.isArray(value)) return canonicalPacketJson(value);
  const n = value.length;
  if (n === 0) return '[]';
  let out = '["';
  for (let i = 0; i < n; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string' || !isPlainAscii(item)) return canonicalPacketJson(value);
    out += i === 0 ? item : '","' + item;
  }
  return out + '"]';
}

function encodeOptional(value: unknown): string {
  return value === null ? 'null' : canonicalPacketJson(value);
}

function encodeTimestamp(value: unknown): string {
  // A canonical timestamp is digits, '-', ':', 'T', '.', 'Z' and '+': nothing to escape.
  return value instanceof Timestamp ? `"${value.toCanonical()}"` : canonicalPacketJson(value);
}

/** The canonical payload as bytes, in a buffer of its own. Pure ASCII (SPEC §2.1 escapes everything else). */
export function packetSigningBytes(packet: TaskPacketDraft & { readonly public_key: string }): Buffer {
  return Buffer.from(packetSigningPayload(packet), 'latin1');
}

// The synchronous hot paths (sign, verify on the calling thread) hand the bytes straight to
// node:crypto, which is done with them before it returns: one reusable area saves an allocation per
// packet and the Buffer pool's bookkeeping. Holds no state between calls.
const SCRATCH_BYTES = 16 * 1024;
const scratch = new Uint8Array(SCRATCH_BYTES);
const utf8 = new TextEncoder();

/**
 * The canonical payload bytes, valid only until the next call: for a caller that uses them at once
 * and keeps nothing (a synchronous sign or verify). Anything else takes {@link packetSigningBytes}.
 */
export function packetSigningView(packet: TaskPacketDraft & { readonly public_key: string }): Uint8Array {
  const payload = packetSigningPayload(packet);
  if (payload.length > SCRATCH_BYTES) return Buffer.from(payload, 'latin1');
  // The payload is ASCII, so its UTF-8 bytes are its code units, one each.
  utf8.encodeInto(payload, scratch);
  return scratch.subarray(0, payload.length);
}

/**
 * The SPEC §2.1 canonical bytes a packet signature covers, as a string: every field but `signature`,
 * keys in code point order (written out here, since the top-level keys are fixed; the hot path of
 * signing and verifying), nested values through the one canonical encoder.
 */
export function packetSigningPayload(packet: TaskPacketDraft & { readonly public_key: string }): string {
  const { expires_at, from_agent, intent, issued_at, nonce, packet_id, signature_algo, task_id, to_agent } =
    packet;
  if (
    expires_at instanceof Timestamp &&
    issued_at instanceof Timestamp &&
    typeof from_agent === 'string' &&
    typeof intent === 'string' &&
    typeof nonce === 'string' &&
    typeof packet_id === 'string' &&
    typeof signature_algo === 'string' &&
    typeof task_id === 'string' &&
    typeof to_agent === 'string' &&
    // One scan of them all: a character that needs escaping in any of them is in the joined text,
    // and joining creates none. Measured right after an Ed25519 operation, one regex scan of the
    // joined strings costs a third of seven character loops.
    isPlainAscii(from_agent + intent + nonce + packet_id + signature_algo + task_id + to_agent)
  ) {
    // The usual packet: its required strings need no escaping, so their quotes join the key literals.
    // Absent optional fields (null, an empty list) join them too, whole. Every piece saved is one
    // string less to allocate and to flatten on the signing hot path.
    const { ai_provenance, capability_token, constraints, goal, memory_refs, provenance, task_type } = packet;
    const head =
      ai_provenance === null && capability_token === null && constraints === null
        ? '{"ai_provenance":null,"capability_token":null,"constraints":null,"context":'
        : '{"ai_provenance":' +
          encodeOptional(ai_provenance) +
          ',"capability_token":' +
          encodeString(capability_token) +
          ',"constraints":' +
          encodeOptional(constraints) +
          ',"context":';
    const fromThroughIntentKey =
      goal === null
        ? senderSegment(from_agent)
        : '","from_agent":"' + from_agent + '","goal":' + encodeString(goal) + ',"intent":"';
    const afterIssued =
      Array.isArray(memory_refs) && memory_refs.length === 0
        ? '","memory_refs":[],"nonce":"'
        : '","memory_refs":' + encodeStringList(memory_refs) + ',"nonce":"';
    const afterPermissions =
      provenance === null
        ? ',"provenance":null,"public_key":'
        : ',"provenance":' + encodeOptional(provenance) + ',"public_key":';
    const afterTaskId =
      task_type === null
        ? '","task_type":null,"to_agent":"'
        : '","task_type":' + encodeString(task_type) + ',"to_agent":"';
    return (
      head +
      canonicalPacketJson(packet.context) +
      ',"expires_at":"' +
      expires_at.toCanonical() +
      fromThroughIntentKey +
      intent +
      '","issued_at":"' +
      issued_at.toCanonical() +
      afterIssued +
      nonce +
      '","packet_id":"' +
      packet_id +
      '","permissions":' +
      encodePermissions(packet.permissions) +
      afterPermissions +
      encodePublicKeyThenRiskKey(packet.public_key) +
      riskLevelAndAlgorithm(packet.risk_level, signature_algo) +
      task_id +
      afterTaskId +
      to_agent +
      '","ttl_seconds":' +
      (packet.ttl_seconds === null ? 'null}' : encodeOptional(packet.ttl_seconds) + '}')
    );
  }
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
    encodeTimestamp(expires_at) +
    ',"from_agent":' +
    encodeString(from_agent) +
    ',"goal":' +
    encodeString(packet.goal) +
    ',"intent":' +
    encodeString(intent) +
    ',"issued_at":' +
    encodeTimestamp(issued_at) +
    ',"memory_refs":' +
    encodeStringList(packet.memory_refs) +
    ',"nonce":' +
    encodeString(nonce) +
    ',"packet_id":' +
    encodeString(packet_id) +
    ',"permissions":' +
    encodePermissions(packet.permissions) +
    ',"provenance":' +
    encodeOptional(packet.provenance) +
    ',"public_key":' +
    encodePublicKeyThenRiskKey(packet.public_key) +
    encodeString(packet.risk_level) +
    ',"signature_algo":' +
    encodeString(signature_algo) +
    ',"task_id":' +
    encodeString(task_id) +
    ',"task_type":' +
    encodeString(packet.task_type) +
    ',"to_agent":' +
    encodeString(to_agent) +
    ',"ttl_seconds":' +
    encodeOptional(packet.ttl_seconds) +
    '}'
  );
}
