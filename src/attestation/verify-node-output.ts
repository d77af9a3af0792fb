/**
 * Verify a node output produced by {@link wrapNode}: the attestation against the worker's public key,
 * over the output's own result and reason, with replay tracking.
 */
import type { EventPort } from '../events/types.js';
import type { AgentRegistry, ReplayStore } from '../stores/types.js';
import type { OutcomeEncoding } from '../wire/canonical.js';
import { nodeOutputFromJson, parseNodeOutput, type ReceivedNodeOutput } from './node-output.js';
import type { AttestationReplayTracker } from './replay.js';
import type { AttestationRejectReason, AttestationStatus } from './types.js';
import { emitAttestationVerdict, reject, type AttestationPublicKey } from './verify.js';
import { checkAttestationOnce, toTracker } from './verify-once.js';

export interface VerifyNodeOutputOptions {
  /** Replay protection is not optional here: a tracker, or a ReplayStore wrapped in a default tracker. */
  readonly replay: AttestationReplayTracker | ReplayStore;
  /** Refuse outputs for any other packet (`packet_id_mismatch`). Recommended: you know what you asked for. */
  readonly expectedPacketId?: string;
  /** Refuse other statuses (`status_mismatch`), e.g. `'OK'` to treat attested errors as failures. */
  readonly expectedStatus?: AttestationStatus | readonly AttestationStatus[];
  /** The verifier's clock, epoch ms (default: the tracker's clock). */
  readonly nowMs?: number;
  /** `'decimals-v1'` to accept results attested under the decimals extension (SPEC §10.6). */
  readonly outcomeEncoding?: OutcomeEncoding;
  /** Binds a named `signed_by` through the registry (SPEC §10.5); see {@link VerifyAttestationOptions}. */
  readonly registry?: AgentRegistry;
  /** Where `attestation_verified` / `attestation_rejected` go (one event per call). */
  readonly events?: EventPort;
}

export type NodeOutputVerdict =
  | { readonly valid: true; readonly output: ReceivedNodeOutput }
  | { readonly valid: false; readonly reason: AttestationRejectReason };

/**
 * Accepts the object {@link wrapNode} returned or its wire JSON (string or bytes). Never throws for what
 * the sender controls: an output (or its attestation) that does not parse is `malformed_output`,
 * everything else as {@link verifyAttestationOnce}. Throws only for the verifier's own configuration (a bad key).
 */
export async function verifyNodeOutput(
  output: unknown,
  publicKey: AttestationPublicKey,
  options: VerifyNodeOutputOptions,
): Promise<NodeOutputVerdict> {
  const tracker = toTracker(options.replay);
  const events = options.events;
  let received: ReceivedNodeOutput;
  try {
    received =
      typeof output === 'string' || output instanceof Uint8Array
        ? parseNodeOutput(output)
        : nodeOutputFromJson(output);
  } catch {
    const malformed = reject('malformed_output');
    if (events !== undefined) emitAttestationVerdict(events, attestationOf(output), malformed);
    return malformed as NodeOutputVerdict;
  }
  const verdict = await checkAttestationOnce(received.attestation, publicKey, {
    replay: tracker,
    result: received.result,
    ...(received.reason === null ? {} : { reason: received.reason }),
    ...(options.expectedPacketId === undefined ? {} : { expectedPacketId: options.expectedPacketId }),
    ...(options.expectedStatus === undefined ? {} : { expectedStatus: options.expectedStatus }),
    ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
    ...(options.outcomeEncoding === undefined ? {} : { outcomeEncoding: options.outcomeEncoding }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
  });
  if (events !== undefined) emitAttestationVerdict(events, received.attestation, verdict);
  if (!verdict.valid) return verdict;
  return Object.freeze({ valid: true, output: received });
}

// For the event of an output that did not parse: its attestation's claimed ids, if it has any.
function attestationOf(output: unknown): unknown {
  try {
    return typeof output === 'object' && output !== null && !(output instanceof Uint8Array)
      ? (output as { attestation?: unknown }).attestation
      : undefined;
  } catch {
    return undefined;
  }
}
