/**
 * The calling side's verdict on what came back, shared by every integration: a refusal the receiver
 * reported, or an attested output that must verify against the receiver's key (from the caller's
 * registry, never from the result), name the packet the call was sent with, and not be a replay.
 */
import type { AttestationReplayTracker } from '../../attestation/replay.js';
import type { AttestationPublicKey } from '../../attestation/verify.js';
import type { ExecutionAttestation } from '../../attestation/types.js';
import { verifyNodeOutput } from '../../attestation/verify-node-output.js';
import type { EventPort } from '../../events/types.js';
import type { AgentRegistry } from '../../stores/types.js';
import type { JsonValue } from '../../wire/json-value.js';
import { isPlainObject } from '../../wire/json-value.js';

export interface VerifyToolCallResultOptions {
  /** The receiver's attestation key (its public key from your registry, never from the result). */
  readonly attestationKey: AttestationPublicKey;
  /** Replay protection for results; required. */
  readonly replayTracker: AttestationReplayTracker;
  /** The packet id the call was sent with: an attestation for any other packet is refused. */
  readonly packetId: string;
  /** Clock, epoch ms (default: the tracker's clock). */
  readonly now?: () => number;
  /** Binds the attestation's `signed_by` through a registry (SPEC §10.5). */
  readonly registry?: AgentRegistry;
  /** Where `attestation_verified` / `attestation_rejected` go. */
  readonly events?: EventPort;
}

/**
 * Why a call's result was not accepted:
 *  - `call_rejected`: the receiver refused the call before it ran; `details.reason` is its
 *    machine-readable reason (the gate's, e.g. `Replay detected`, `tool_name_mismatch`). This
 *    refusal is unsigned: it proves nothing, but nothing was accepted either.
 *  - `attestation_missing`: the result carries no attested output (not a trusthandoff receiver?).
 *  - `attestation_rejected`: the attestation did not verify; `details.reason` is the attestation
 *    verifier's reason (`invalid_signature`, `attestation_replayed`, `outcome_hash_mismatch`, …).
 *  - `tool_error`: the call ran and threw; the error is attested and in `details.error`.
 *  - `malformed_result`: the call returned something that is not a result object.
 */
export type ToolCallRefusalReason =
  'call_rejected' | 'attestation_missing' | 'attestation_rejected' | 'tool_error' | 'malformed_result';

export type ToolCallVerdict =
  | {
      readonly ok: true;
      /** The attested result (only this was signed). */
      readonly result: JsonValue;
      readonly attestation: ExecutionAttestation;
      readonly packetId: string;
    }
  | {
      readonly ok: false;
      readonly reason: ToolCallRefusalReason;
      readonly details?: Readonly<Record<string, unknown>>;
    };

/** The machine-readable refusal a receiver reports (in its framework's own channel). */
export interface ToolCallRejection {
  readonly decision: 'REJECT';
  /**
   * The gate's reason (`Invalid signature`, `Replay detected`, `tool_name_mismatch`, …), or the
   * integration's own: `envelope_missing` (no envelope where it should ride), `malformed_envelope`
   * (not a string), `attestation_failed` (the result cannot be attested; `details.code` says why);
   * A2A adds `skill_missing` (the message names no skill) and `pending_call_missing` (an approval
   * for a task whose original call cannot be found).
   */
  readonly reason: string;
  readonly packet_id: string | null;
  readonly details?: unknown;
}

/**
 * Verify what a receiver sent back: `output` is the attested node output (wire JSON string or parsed
 * object) or undefined; `rejection` is the receiver's refusal, if it reported one. Never throws for
 * what the receiver sent.
 */
export async function verifyAttestedResult(
  output: unknown,
  rejection: unknown,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  if (output === undefined) {
    if (isPlainObject(rejection) && typeof rejection['reason'] === 'string') {
      return refuseCall('call_rejected', {
        reason: rejection['reason'],
        ...(rejection['details'] === undefined ? {} : { details: rejection['details'] }),
      });
    }
    return refuseCall('attestation_missing');
  }
  const verdict = await verifyNodeOutput(output, options.attestationKey, {
    replayTracker: options.replayTracker,
    expectedPacketId: options.packetId,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  if (!verdict.ok) return refuseCall('attestation_rejected', { reason: verdict.reason });
  const received = verdict.output;
  if (received.attestation.status !== 'OK') return refuseCall('tool_error', { error: received.result });
  return Object.freeze({
    ok: true,
    result: received.result,
    attestation: received.attestation,
    packetId: options.packetId,
  });
}

export function refuseCall(
  reason: ToolCallRefusalReason,
  details?: Readonly<Record<string, unknown>>,
): ToolCallVerdict {
  return Object.freeze(details === undefined ? { ok: false, reason } : { ok: false, reason, details });
}
