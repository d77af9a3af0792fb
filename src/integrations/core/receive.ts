/**
 * The receiving side shared by every integration: frameworks differ in where the envelope rides and
 * how a refusal is returned, not in what happens between. The gate runs with the call's name and
 * arguments as expectations BEFORE the handler — a captured envelope presented to another call, or
 * with other arguments, is refused before the replay step and never spends the nonce of the
 * legitimate call. An accepted call runs the handler as an attested node.
 */
import { ConfigurationError, TrustHandoffError } from '../../errors.js';
import { wrapNode } from '../../attestation/wrap-node.js';
import { serializeNodeOutput } from '../../attestation/node-output.js';
import type { NodeOutput } from '../../attestation/wrap-node.js';
import type { AttestationSigner } from '../../attestation/types.js';
import type { AcceptDecision, GateDecision } from '../../gate/decision.js';
import type { CallExpectations } from '../../gate/expectations.js';
import type { Arrival } from '../../gate/context.js';
import type { GateInput } from '../../gate/parse.js';
import type { SignedTaskPacket } from '../../packet/types.js';
import type { OutcomeEncoding } from '../../wire/canonical.js';
import type { ToolCallRejection } from './verdict.js';

/** What a receiver needs of a gate: `HandoffGate` fits. */
export interface ToolCallGate {
  handle(
    input: GateInput,
    options?: { readonly expect?: CallExpectations; readonly arrival?: Arrival },
  ): Promise<GateDecision>;
}

export interface VerifiedToolOptions {
  /** The receiver's signer (usually its `AgentIdentity`): it signs every result's attestation. */
  readonly identity: AttestationSigner;
  /** Clock for attestation timestamps, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** `'decimals-v1'` to attest results with decimals (SPEC §10.6); default `'reference'`. */
  readonly outcomeEncoding?: OutcomeEncoding;
  /** Longest error message put in the attested result of a throwing handler (default 1,024). */
  readonly maxErrorMessageLength?: number;
  /**
   * How calls reach this receiver, for the gate's trust boundaries (`handle(input, { arrival })`).
   * Default: `{ transport: <the integration's name> }` (`mcp`, `a2a`, …).
   */
  readonly arrival?: Arrival;
}

/** What the handler gets besides its arguments: the verified packet and the framework's context. */
export interface VerifiedToolCall<X> {
  /** The packet the gate accepted (frozen, signed by the caller's registered key). */
  readonly packet: SignedTaskPacket;
  readonly decision: AcceptDecision;
  /** The framework's own request context (MCP's `extra`, the AI SDK's execute options, …). */
  readonly extra: X;
}

/** A body: returns a plain JSON object (integers, no floats unless `decimals-v1`), which is attested. */
export type VerifiedToolHandler<A, R extends object, X> = (
  args: A,
  call: VerifiedToolCall<X>,
) => R | PromiseLike<R>;

/** The outcome of one received call, for the integration to put into its framework's result. */
export type ReceivedCall =
  | {
      readonly ok: true;
      /** The attested output (result + attestation); `'reason' in output` when the handler threw. */
      readonly output: NodeOutput<object>;
      /** `serializeNodeOutput(output)`: what travels back to the caller. */
      readonly wire: string;
      readonly failed: boolean;
    }
  | { readonly ok: false; readonly rejection: ToolCallRejection };

/** The gate's verdict on one call, before anything runs (see {@link CallReceiver.admit}). */
export type AdmittedCall =
  | { readonly ok: true; readonly decision: AcceptDecision }
  | { readonly ok: false; readonly rejection: ToolCallRejection };

/**
 * `(envelope, args, extra) => ReceivedCall`: the gate, then the attested handler. The two halves are
 * also callable apart, for frameworks that decide a call in one hook and run it in another (the AI
 * SDK's `toolApproval`, then `execute`): `admit` runs the gate (and so spends the nonce on ACCEPT),
 * `runAdmitted` runs the attested handler for a decision `admit` returned.
 */
export interface CallReceiver<A, X> {
  (envelope: unknown, args: A, extra: X): Promise<ReceivedCall>;
  admit(envelope: unknown, args: A): Promise<AdmittedCall>;
  runAdmitted(decision: AcceptDecision, args: A, extra: X): Promise<ReceivedCall>;
}

/**
 * Build the receiver for one named call. Options are checked here, once. `envelope` is what the
 * framework carried (undefined when absent); `args` are checked against the packet's binding.
 */
export function createCallReceiver<A, R extends object, X>(
  gate: ToolCallGate,
  name: string,
  handler: VerifiedToolHandler<A, R, X>,
  options: VerifiedToolOptions,
  helper = 'verifiedTool',
  transport?: string,
): CallReceiver<A, X> {
  if (gate === null || typeof gate !== 'object' || typeof gate.handle !== 'function')
    throw new ConfigurationError(`${helper} needs a gate with a handle() method`);
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigurationError(`${helper} needs the tool name`);
  if (typeof handler !== 'function') throw new ConfigurationError(`${helper} needs a handler function`);
  if (options === null || typeof options !== 'object' || options.identity === undefined)
    throw new ConfigurationError(`${helper} needs options with an identity`);
  const attested = wrapNode((_packetId: string, args: A, call: VerifiedToolCall<X>) => handler(args, call), {
    identity: options.identity,
    packetId: (packetId) => packetId,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.outcomeEncoding === undefined ? {} : { outcomeEncoding: options.outcomeEncoding }),
    ...(options.maxErrorMessageLength === undefined
      ? {}
      : { maxErrorMessageLength: options.maxErrorMessageLength }),
  });
  const arrival = options.arrival ?? (transport === undefined ? undefined : { transport });
  const outcomeEncoding = options.outcomeEncoding;
  const serializeOptions = outcomeEncoding === undefined ? {} : { outcomeEncoding };

  async function admit(envelope: unknown, args: A): Promise<AdmittedCall> {
    if (envelope !== undefined && typeof envelope !== 'string') return refusal('malformed_envelope', null);
    return admitCall(gate, envelope, name, args, arrival);
  }

  async function runAdmitted(decision: AcceptDecision, args: A, extra: X): Promise<ReceivedCall> {
    const packetId = decision.packet.packet_id;
    let output: NodeOutput<object>;
    try {
      output = await attested(packetId, args, { packet: decision.packet, decision, extra });
    } catch (error) {
      // wrapNode refuses to return an unattested result (a float, a non-object, > 256 KiB): the
      // handler ran, but its result never leaves unsigned.
      const code = error instanceof TrustHandoffError ? error.code : 'unexpected_error';
      return refusal('attestation_failed', packetId, { code });
    }
    return {
      ok: true,
      output,
      wire: serializeNodeOutput(output, serializeOptions),
      failed: 'reason' in output,
    };
  }

  async function receiveCall(envelope: unknown, args: A, extra: X): Promise<ReceivedCall> {
    const admitted = await admit(envelope, args);
    return admitted.ok ? runAdmitted(admitted.decision, args, extra) : admitted;
  }
  return Object.assign(receiveCall, { admit, runAdmitted });
}

/**
 * The gate step every receiver shares: `envelope` (wire JSON, or an envelope object the gate reads
 * once into its own copy; undefined = none carried → `envelope_missing`) is checked with the call's
 * name and arguments as expectations, so a mismatch is refused before the replay step. Arguments
 * absent are bound as `{}`: the caller must have signed exactly that.
 */
export async function admitCall(
  gate: ToolCallGate,
  envelope: unknown,
  name: string,
  args: unknown,
  arrival?: Arrival,
): Promise<AdmittedCall> {
  if (envelope === undefined) return refusal('envelope_missing', null);
  if (typeof envelope !== 'string' && (envelope === null || typeof envelope !== 'object'))
    return refusal('malformed_envelope', null);
  const callArguments: unknown = args === undefined ? {} : args;
  const expect = { toolCall: { name, arguments: callArguments } };
  const decision = await gate.handle(
    envelope as GateInput,
    arrival === undefined ? { expect } : { expect, arrival },
  );
  if (decision.decision !== 'ACCEPT') return refusal(decision.reason, decision.packet_id, decision.details);
  return { ok: true, decision };
}

function refusal(
  reason: string,
  packetId: string | null,
  details?: unknown,
): { readonly ok: false; readonly rejection: ToolCallRejection } {
  return {
    ok: false,
    rejection: {
      decision: 'REJECT',
      reason,
      packet_id: packetId,
      ...(details === undefined ? {} : { details }),
    },
  };
}

/** Read `key` from a metadata object the framework carried, own properties only; never throws. */
export function readOwnEntry(meta: unknown, key: string): unknown {
  if (meta === null || typeof meta !== 'object') return undefined;
  try {
    return Object.hasOwn(meta, key) ? (meta as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}
