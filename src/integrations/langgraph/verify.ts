/**
 * The sending side's verdict on a handoff: the slot the receiving node completed must carry an
 * attested output that verifies against the receiver's key (from your registry), names the packet
 * the handoff was minted with, and is not a replay — or the receiver's refusal.
 */
import { isPlainObject } from '../../wire/json-value.js';
import {
  refuseCall,
  verifyAttestedResult,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../core/verdict.js';

/**
 * Verify a completed handoff slot (`state[HANDOFF_STATE_KEY]`). `options.packetId` is the packet the
 * handoff was minted with (`slot.packetId` as the sending tool recorded it). Never throws for what
 * the slot holds.
 */
export async function verifyHandoffResult(
  slot: unknown,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  if (!isPlainObject(slot)) return refuseCall('malformed_result');
  return verifyAttestedResult(slot['output'], slot['rejection'], options);
}
