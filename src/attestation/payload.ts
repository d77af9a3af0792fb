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
const TIMESTAMP_LIMIT = 1n << 64n;

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
  const packetId = Buffer.from(fields.packet_id, 'utf8');
  const status = Buffer.from(fields.status, 'utf8');
  const outcome = hashBytes(fields.outcome_hash, 'outcome_hash');
  const fingerprint = hashBytes(fields.agent_pubkey_fingerprint, 'agent_pubkey_fingerprint');
  const reason = fields.reason_hash === null ? undefined : hashBytes(fields.reason_hash, 'reason_hash');
  const nonce = fields.nonce;
  if (typeof nonce !== 'bigint' || nonce < 0n || nonce >= NONCE_LIMIT) {
    throw new AttestationError('nonce must be an unsigned 128-bit integer');
  }
  const timestamp = fields.timestamp_ms;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || BigInt(timestamp) >= TIMESTAMP_LIMIT) {
    throw new AttestationError('timestamp_ms must be an unsigned 64-bit integer');
  }

  const fieldCount = reason === undefined ? 6 : 7;
  const size =
    DOMAIN_SEPARATOR.length +
    1 +
    4 * fieldCount +
    packetId.length +
    32 +
    status.length +
    16 +
    8 +
    32 +
    (reason === undefined ? 0 : 32);
  const out = Buffer.allocUnsafe(size);
  let at = DOMAIN_SEPARATOR.copy(out, 0);
  out[at++] = VERSION;
  at = writeField(out, at, packetId);
  at = writeField(out, at, outcome);
  at = writeField(out, at, status);
  out.writeUInt32BE(16, at);
  out.writeBigUInt64BE(nonce >> 64n, at + 4);
  out.writeBigUInt64BE(nonce & 0xffff_ffff_ffff_ffffn, at + 12);
  at += 20;
  out.writeUInt32BE(8, at);
  out.writeBigUInt64BE(BigInt(timestamp), at + 4);
  at += 12;
  at = writeField(out, at, fingerprint);
  if (reason !== undefined) at = writeField(out, at, reason);
  return out;
}

function writeField(out: Buffer, at: number, bytes: Buffer): number {
  out.writeUInt32BE(bytes.length, at);
  return at + 4 + bytes.copy(out, at + 4);
}

const HEX_64 = /^[0-9a-f]{64}$/;

function hashBytes(hex: string, field: string): Buffer {
  if (typeof hex !== 'string' || !HEX_64.test(hex))
    throw new AttestationError(`${field} must be 64 lowercase hex digits`);
  return Buffer.from(hex, 'hex');
}
