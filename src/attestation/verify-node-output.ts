/**
 * Verify a node output produced by {@link wrapNode}: the attestation against the worker's public key,
 * over the output's own result and reason, with replay tracking.
 */
import type { EventPort } from '../events/types.js';
import type { SignatureBackend } from '../identity/signature-backend.js';
import type { Verdict } from '../lib/verdict.js';
import type { AgentRegistry } from '../stores/types.js';
import type { OutcomeEncoding } from '../wire/canonical.js';
import { parseNodeOutput, type ReceivedNodeOutput } from './node-output.js';
import type { AttestationReplayTracker } from './replay.js';
import type { AttestationRejectReason, AttestationStatus } from './types.js';
import { emitAttestationVerdict, reject, type AttestationPublicKey } from './verify.js';
import { checkAttestationOnce, requireTracker } from './verify-once.js';

export interface VerifyNodeOutputOptions {
  /** Replay protection is not optional here. */
  readonly replayTracker: AttestationReplayTracker;
  /** Refuse outputs for any other packet (`packet_id_mismatch`). Recommended: you know what you asked for. */
  readonly expectedPacketId?: string;
  /** Refuse other statuses (`status_mismatch`), e.g. `'OK'` to treat attested errors as failures. */
  readonly expectedStatus?: AttestationStatus | readonly AttestationStatus[];
  /** The verifier's clock, epoch ms (default: the tracker's clock). */
  readonly now?: () => number;
  /** `'decimals-v1'` to accept results attested under the decimals extension (SPEC §10.6). */
  readonly outcomeEncoding?: OutcomeEncoding;
  /** Binds a named `signed_by` through the registry (SPEC §10.5); see {@link VerifyAttestationOptions}. */
  readonly registry?: AgentRegistry;
  /** Where `attestation_verified` / `attestation_rejected` go (one event per call). */
  readonly events?: EventPort;
  /** Where the signature is verified (default node:crypto; same verdict on every backend). */
  readonly signatureBackend?: SignatureBackend;
}

/** `{ ok: true, output }` (the parsed, frozen output) or `{ ok: false, reason }`. */
export type NodeOutputVerdict = Verdict<AttestationRejectReason, { output: ReceivedNodeOutput }>;

/**
 * Accepts the object {@link wrapNode} returned, its JSON form, or its wire JSON (string or bytes), read
 * as {@link parseNodeOutput} reads it (text over {@link MAX_NODE_OUTPUT_BYTES} is refused unparsed).
 * Never throws for what the sender controls: an output (or its attestation) that does not parse is
 * `malformed_output`,
 * everything else as {@link verifyAttestationOnce}. Throws only for the verifier's own configuration (a bad key).
 */
export async function verifyNodeOutput(
  output: unknown,
  publicKey: AttestationPublicKey,
  options: VerifyNodeOutputOptions,
): Promise<NodeOutputVerdict> {
  const tracker = requireTracker(options.replayTracker);
  const events = options.events;
  let received: ReceivedNodeOutput;
  try {
    if (typeof output !== 'object' && typeof output !== 'string') throw new TypeError('not an output');
    received = parseNodeOutput(output as string | object);
  } catch {
    const malformed = reject('malformed_output');
    if (events !== undefined) emitAttestationVerdict(events, attestationOf(output), malformed);
    return malformed as NodeOutputVerdict;
  }
  const verdict = await checkAttestationOnce(received.attestation, publicKey, {
    replayTracker: tracker,
    result: received.result,
    ...(received.reason === null ? {} : { reason: received.reason }),
    ...(options.expectedPacketId === undefined ? {} : { expectedPacketId: options.expectedPacketId }),
    ...(options.expectedStatus === undefined ? {} : { expectedStatus: options.expectedStatus }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.outcomeEncoding === undefined ? {} : { outcomeEncoding: options.outcomeEncoding }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.signatureBackend === undefined ? {} : { signatureBackend: options.signatureBackend }),
  });
  if (events !== undefined) emitAttestationVerdict(events, received.attestation, verdict);
  if (!verdict.ok) return verdict;
  return Object.freeze({ ok: true, output: received });
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
