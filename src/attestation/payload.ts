/**
 * The bytes an attestation signature covers (SPEC §6): a domain separator, a version byte, then each
 * field as a 4-byte big-endian length and its bytes. Lengths make the framing unambiguous, so no two
 * different attestations share signed bytes.
 */
import { AttestationError } from '../errors.js';
import type { ExecutionAttestation } from './types.js';

const DOMAIN_SEPARATOR = Buffer.from('TRUSTHANDOFF_EXEC_ATTEST_V3\0', 'latin1');
const VERSION = 0x01;
const NONCE_LIMIT = 1n << 128n;
const UINT64_MASK = 0xffff_ffff_ffff_ffffn;
const TWO_TO_32 = 0x1_0000_0000;

/** The fields that are signed; `signed_by` and `signature` are not. */
export type AttestationSignedFields = Pick<
  ExecutionAttestation,
  | 'packet_id'
  | 'status'
  | 'outcome_hash'
  | 'nonce'
  | 'timestamp_ms'
  | 'agent_pubkey_fingerprint'
  | 'reason_hash'
>;

/**
 * The framed payload of SPEC §6 for these fields. Throws {@link AttestationError} when a field cannot be
 * framed (a hash that is not 64 hex digits, a nonce or timestamp out of range).
 */
export function attestationSigningPayload(fields: AttestationSignedFields): Buffer {
  checkHash(fields.outcome_hash, 'outcome_hash');
  checkHash(fields.agent_pubkey_fingerprint, 'agent_pubkey_fingerprint');
  const reason = fields.reason_hash;
  if (reason !== null) checkHash(reason, 'reason_hash');
  const nonce = fields.nonce;
  if (typeof nonce !== 'bigint' || nonce < 0n || nonce >= NONCE_LIMIT) {
    throw new AttestationError('nonce must be an unsigned 128-bit integer');
  }
  const timestamp = fields.timestamp_ms;
  // Every safe integer is below 2^64, so this is the unsigned 64-bit range for a number.
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new AttestationError('timestamp_ms must be an unsigned 64-bit integer');
  }
  return frameAttestation(
    fields.packet_id,
    fields.outcome_hash,
    fields.status,
    nonce,
    timestamp,
    fields.agent_pubkey_fingerprint,
    reason,
  );
}

/**
 * The fingerprint as it is framed (its 4-byte length and 32 bytes), for a signer that frames it once
 * and reuses it. `fingerprint` must already be 64 lowercase hex digits.
 */
export function framedFingerprint(fingerprint: string): Buffer {
  const field = Buffer.alloc(36);
  field.writeUInt32BE(32, 0);
  field.write(fingerprint, 4, 32, 'hex');
  return field;
}

/**
 * Write the framed payload of fields already checked: hashes are 64 lowercase hex digits, the nonce is
 * an unsigned 128-bit integer (or its 16 big-endian bytes, as drawn), the timestamp a non-negative safe
 * integer. The fingerprint is its hex text or its {@link framedFingerprint}. Written in place, field by
 * field, into one buffer.
 */
export function frameAttestation(
  packetId: string,
  outcomeHash: string,
  status: string,
  nonce: bigint | Uint8Array,
  timestampMs: number,
  fingerprint: string | Uint8Array,
  reasonHash: string | null,
): Buffer {
  const packetIdLength = utf8Length(packetId);
  const statusLength = utf8Length(status);
  const size =
    DOMAIN_SEPARATOR.length +
    1 +
    (4 + packetIdLength) +
    (4 + 32) +
    (4 + statusLength) +
    (4 + 16) +
    (4 + 8) +
    (4 + 32) +
    (reasonHash === null ? 0 : 4 + 32);
  const out = Buffer.allocUnsafe(size);
  out.set(DOMAIN_SEPARATOR, 0);
  let at = DOMAIN_SEPARATOR.length;
  out[at++] = VERSION;
  at = writeText(out, at, packetId, packetIdLength);
  at = writeHash(out, at, outcomeHash);
  at = writeText(out, at, status, statusLength);
  at = writeLength(out, at, 16);
  if (typeof nonce === 'bigint') {
    const view = new DataView(out.buffer, out.byteOffset + at, 16);
    view.setBigUint64(0, nonce >> 64n);
    view.setBigUint64(8, nonce & UINT64_MASK);
  } else {
    // The drawn bytes themselves: no BigInt arithmetic and no DataView per attestation.
    for (let i = 0; i < 16; i++) out[at + i] = nonce[i]!;
  }
  at = writeLength(out, at + 16, 8);
  // Two 32-bit halves of a safe integer: exact, and no BigInt per attestation.
  at = writeUint32(out, at, Math.floor(timestampMs / TWO_TO_32));
  at = writeUint32(out, at, timestampMs >>> 0);
  if (typeof fingerprint === 'string') {
    at = writeHash(out, at, fingerprint);
  } else {
    out.set(fingerprint, at);
    at += 36;
  }
  if (reasonHash !== null) writeHash(out, at, reasonHash);
  return out;
}

// Packet ids and statuses are ASCII in practice: counted and copied here rather than through two
// calls into the UTF-8 encoder. Anything else takes Node's encoder.
function utf8Length(text: string): number {
  const n = text.length;
  if (n <= 256) {
    let i = 0;
    while (i < n && text.charCodeAt(i) < 0x80) i++;
    if (i === n) return n;
  }
  return Buffer.byteLength(text, 'utf8');
}

function writeUint32(out: Buffer, at: number, value: number): number {
  out[at] = value >>> 24;
  out[at + 1] = value >>> 16;
  out[at + 2] = value >>> 8;
  out[at + 3] = value;
  return at + 4;
}

const writeLength = writeUint32;

function writeText(out: Buffer, at: number, text: string, length: number): number {
  at = writeLength(out, at, length);
  if (length === text.length) {
    // Byte length equal to the code-unit count means every unit is ASCII (anything else takes ≥ 2 bytes).
    for (let i = 0; i < length; i++) out[at + i] = text.charCodeAt(i);
    return at + length;
  }
  return at + out.write(text, at, length, 'utf8');
}

function writeHash(out: Buffer, at: number, hex: string): number {
  at = writeLength(out, at, 32);
  out.write(hex, at, 32, 'hex');
  return at + 32;
}

const HEX_64 = /^[0-9a-f]{64}$/;

function checkHash(hex: string, field: string): void {
  if (typeof hex !== 'string' || !HEX_64.test(hex))
    throw new AttestationError(`${field} must be 64 lowercase hex digits`);
}
