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
  const packetIdLength = Buffer.byteLength(fields.packet_id, 'utf8');
  const statusLength = Buffer.byteLength(fields.status, 'utf8');
  const size =
    DOMAIN_SEPARATOR.length +
    1 +
    (4 + packetIdLength) +
    (4 + 32) +
    (4 + statusLength) +
    (4 + 16) +
    (4 + 8) +
    (4 + 32) +
    (reason === null ? 0 : 4 + 32);
  // Written in place, field by field: no intermediate buffers per attestation.
  const out = Buffer.allocUnsafe(size);
  let at = DOMAIN_SEPARATOR.copy(out, 0);
  out[at++] = VERSION;
  at = writeText(out, at, fields.packet_id, packetIdLength);
  at = writeHash(out, at, fields.outcome_hash);
  at = writeText(out, at, fields.status, statusLength);
  out.writeUInt32BE(16, at);
  out.writeBigUInt64BE(nonce >> 64n, at + 4);
  out.writeBigUInt64BE(nonce & 0xffff_ffff_ffff_ffffn, at + 12);
  at += 20;
  out.writeUInt32BE(8, at);
  out.writeBigUInt64BE(BigInt(timestamp), at + 4);
  at += 12;
  at = writeHash(out, at, fields.agent_pubkey_fingerprint);
  if (reason !== null) writeHash(out, at, reason);
  return out;
}

function writeText(out: Buffer, at: number, text: string, length: number): number {
  out.writeUInt32BE(length, at);
  return at + 4 + out.write(text, at + 4, length, 'utf8');
}

function writeHash(out: Buffer, at: number, hex: string): number {
  out.writeUInt32BE(32, at);
  out.write(hex, at + 4, 32, 'hex');
  return at + 36;
}

const HEX_64 = /^[0-9a-f]{64}$/;

function checkHash(hex: string, field: string): void {
  if (typeof hex !== 'string' || !HEX_64.test(hex))
    throw new AttestationError(`${field} must be 64 lowercase hex digits`);
}
