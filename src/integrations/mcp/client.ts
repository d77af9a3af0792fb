/**
 * The calling side, the same for the v1 (`@modelcontextprotocol/sdk`) and v2
 * (`@modelcontextprotocol/client`) clients: mint a short-lived packet bound to this one tool call,
 * send it in the request's `_meta`, and accept the result only with a valid, unreplayed attestation
 * from the expected tool server over the packet we sent.
 */
import { ConfigurationError } from '../../errors.js';
import type { AttestationReplayTracker } from '../../attestation/replay.js';
import type { AttestationPublicKey } from '../../attestation/verify.js';
import type { AttestationRejectReason, ExecutionAttestation } from '../../attestation/types.js';
import { verifyNodeOutput } from '../../attestation/verify-node-output.js';
import type { ReceivedNodeOutput } from '../../attestation/node-output.js';
import type { EventPort } from '../../events/types.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { createDelegationEnvelope, serializeDelegationEnvelope } from '../../packet/index.js';
import { issueTaskPacket } from '../../packet/sign.js';
import type { Permissions } from '../../packet/types.js';
import type { AgentRegistry } from '../../stores/types.js';
import { bindToolCall } from '../../gate/expectations.js';
import type { JsonObject, JsonValue } from '../../wire/json-value.js';
import { isPlainObject } from '../../wire/json-value.js';
import { ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_META_KEY, TRACEPARENT_META_KEY } from './keys.js';

/** A tool call: the tool's name and its arguments (absent = `{}`, what the server binds). */
export interface ToolCall {
  readonly name: string;
  readonly arguments?: Record<string, unknown>;
}

/** What the helpers need of an MCP client: v1's `Client` and v2's `Client` both fit. */
export interface McpToolClient {
  callTool(params: {
    name: string;
    arguments?: Record<string, unknown>;
    _meta?: Record<string, unknown>;
  }): Promise<unknown>;
}

export interface IssueToolCallEnvelopeOptions {
  /** The tool server's agent id: the packet's `to_agent` (its gate's audience). */
  readonly audience: string;
  /** Packet lifetime in seconds (default 60): one call, not a session. */
  readonly ttlSeconds?: number;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** Extra signed context entries (the tool-call binding is always added and cannot be overridden). */
  readonly context?: Readonly<JsonObject>;
  /** Default: `{ allowed_actions: [<tool name>], max_tool_calls: 1 }`. */
  readonly permissions?: Permissions;
  /** Packet `risk_level` (default null: the lifetime is `ttlSeconds`). */
  readonly riskLevel?: string;
}

/** A minted envelope for one tool call: the wire JSON and the packet id the attestation must name. */
export interface ToolCallEnvelope {
  readonly envelope: string;
  readonly packetId: string;
}

export interface VerifyToolCallResultOptions {
  /** The tool server's attestation key (its public key from your registry, never from the result). */
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

export interface CallVerifiedToolOptions
  extends IssueToolCallEnvelopeOptions, Omit<VerifyToolCallResultOptions, 'packetId'> {
  /** The caller's identity: signs the packet. Its key must be in the server gate's registry. */
  readonly identity: AgentIdentity;
  /** W3C `traceparent`, sent beside the envelope in `_meta`. */
  readonly traceparent?: string;
}

/**
 * Why a call's result was not accepted:
 *  - `call_rejected`: the server refused the call before the tool ran; `details.reason` is its
 *    machine-readable reason (the gate's, e.g. `Replay detected`, `tool_name_mismatch`). This
 *    refusal is unsigned: it proves nothing, but nothing was accepted either.
 *  - `attestation_missing`: the result carries no attested output (not a trusthandoff tool?).
 *  - `attestation_rejected`: the attestation did not verify; `details.reason` is the attestation
 *    verifier's reason (`invalid_signature`, `attestation_replayed`, `outcome_hash_mismatch`, …).
 *  - `tool_error`: the tool ran and threw; the error is attested and in `details.error`.
 *  - `malformed_result`: the call returned something that is not a result object.
 */
export type ToolCallRefusalReason =
  'call_rejected' | 'attestation_missing' | 'attestation_rejected' | 'tool_error' | 'malformed_result';

export type ToolCallVerdict =
  | {
      readonly ok: true;
      /** The attested result (not the result's `content`: only this was signed). */
      readonly result: JsonValue;
      readonly attestation: ExecutionAttestation;
      readonly packetId: string;
    }
  | {
      readonly ok: false;
      readonly reason: ToolCallRefusalReason;
      readonly details?: Readonly<Record<string, unknown>>;
    };

const DEFAULT_TTL_SECONDS = 60;

/** Create and sign the envelope for one tool call (intent = tool name, the call bound in `context`). */
export function issueToolCallEnvelope(
  identity: AgentIdentity,
  call: ToolCall,
  options: IssueToolCallEnvelopeOptions,
): ToolCallEnvelope {
  if (call === null || typeof call !== 'object' || typeof call.name !== 'string' || call.name.length === 0)
    throw new ConfigurationError('a tool call needs a name');
  if (typeof options?.audience !== 'string' || options.audience.length === 0)
    throw new ConfigurationError('issueToolCallEnvelope needs the tool server agent id (audience)');
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0)
    throw new ConfigurationError('ttlSeconds must be a positive integer');
  const packet = issueTaskPacket(
    identity,
    {
      to_agent: options.audience,
      intent: call.name,
      context: { ...options.context, ...bindToolCall(call.name, call.arguments ?? {}) },
      permissions: options.permissions ?? { allowed_actions: [call.name], max_tool_calls: 1 },
      ttl_seconds: ttlSeconds,
      ...(options.riskLevel === undefined ? {} : { risk_level: options.riskLevel }),
    },
    options.now === undefined ? {} : { now: options.now },
  );
  return {
    envelope: serializeDelegationEnvelope(createDelegationEnvelope(packet)),
    packetId: packet.packet_id,
  };
}

/**
 * Mint a packet for this call, call the tool with it, and verify the attested result. Resolves to a
 * {@link ToolCallVerdict}; rejects only for what the MCP client itself throws (transport, protocol).
 */
export async function callVerifiedTool(
  client: McpToolClient,
  call: ToolCall,
  options: CallVerifiedToolOptions,
): Promise<ToolCallVerdict> {
  const minted = issueToolCallEnvelope(options.identity, call, options);
  return callToolWithEnvelope(client, call, minted, options);
}

/** Call the tool with an envelope you already hold (see {@link issueToolCallEnvelope}) and verify the result. */
export async function callToolWithEnvelope(
  client: McpToolClient,
  call: ToolCall,
  minted: ToolCallEnvelope,
  options: Omit<VerifyToolCallResultOptions, 'packetId'> & { readonly traceparent?: string },
): Promise<ToolCallVerdict> {
  const meta: Record<string, unknown> = { [ENVELOPE_META_KEY]: minted.envelope };
  if (options.traceparent !== undefined) meta[TRACEPARENT_META_KEY] = options.traceparent;
  const result = await client.callTool({
    name: call.name,
    arguments: call.arguments ?? {},
    _meta: meta,
  });
  return verifyToolCallResult(result, { ...options, packetId: minted.packetId });
}

/** Verify a `tools/call` result from a trusthandoff tool. Never throws for what the server sent. */
export async function verifyToolCallResult(
  result: unknown,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  if (!isPlainObject(result)) return refuse('malformed_result');
  const meta = result['_meta'];
  const output = isPlainObject(meta) ? meta[OUTPUT_META_KEY] : undefined;
  if (output === undefined) {
    const rejection = isPlainObject(meta) ? meta[REJECTION_META_KEY] : undefined;
    if (isPlainObject(rejection) && typeof rejection['reason'] === 'string') {
      return refuse('call_rejected', {
        reason: rejection['reason'],
        ...(rejection['details'] === undefined ? {} : { details: rejection['details'] }),
      });
    }
    return refuse('attestation_missing');
  }
  const verdict = await verifyAttestedOutput(output, options);
  if (!verdict.ok) return refuse('attestation_rejected', { reason: verdict.reason });
  const received = verdict.output;
  if (received.attestation.status !== 'OK') return refuse('tool_error', { error: received.result });
  return Object.freeze({
    ok: true,
    result: received.result,
    attestation: received.attestation,
    packetId: options.packetId,
  });
}

type AttestedOutputVerdict =
  | { readonly ok: true; readonly output: ReceivedNodeOutput }
  | { readonly ok: false; readonly reason: AttestationRejectReason };

/**
 * The integration's only call into attestation verification (kept in one place so an options rename
 * there is one edit here). A string output is parsed losslessly (the nonce and big integers exact).
 */
async function verifyAttestedOutput(
  output: unknown,
  options: VerifyToolCallResultOptions,
): Promise<AttestedOutputVerdict> {
  const verdict = await verifyNodeOutput(output, options.attestationKey, {
    replayTracker: options.replayTracker,
    expectedPacketId: options.packetId,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  return verdict.ok ? { ok: true, output: verdict.output } : { ok: false, reason: verdict.reason };
}

function refuse(reason: ToolCallRefusalReason, details?: Readonly<Record<string, unknown>>): ToolCallVerdict {
  return Object.freeze(details === undefined ? { ok: false, reason } : { ok: false, reason, details });
}
