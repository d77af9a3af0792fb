import { createHash } from 'node:crypto';
import { packetSigningPayload } from '../packet/payload.js';
import type { SignedTaskPacket } from '../packet/types.js';

/** Lowercase hex SHA-256 of the packet's SPEC §2.1 signed bytes: what an approval binds to. */
export function packetDigest(packet: SignedTaskPacket): string {
  return createHash('sha256').update(packetSigningPayload(packet), 'utf8').digest('hex');
}
