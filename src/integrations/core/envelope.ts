/**
 * The calling side shared by every integration: mint a short-lived packet bound to one call — a
 * tool, a skill, a graph node — and serialize it as a delegation envelope. The call's name and a
 * digest of its arguments go into the signed `context` (see `bindToolCall`), so the receiving side
 * can check them as expectations before the replay step.
 */
import { ConfigurationError } from '../../errors.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { createDelegationEnvelope, serializeDelegationEnvelope } from '../../packet/index.js';
import { issueTaskPacket } from '../../packet/sign.js';
import type { Constraints, Permissions } from '../../packet/types.js';
import { bindToolCall } from '../../gate/expectations.js';
import type { JsonObject } from '../../wire/json-value.js';

/** A call: its name (a tool, a skill, a node) and its arguments (absent = `{}`, what receivers bind). */
export interface ToolCall {
  readonly name: string;
  readonly arguments?: Record<string, unknown>;
}

export interface IssueToolCallEnvelopeOptions {
  /** The receiving agent's id: the packet's `to_agent` (its gate's audience). */
  readonly audience: string;
  /** Packet lifetime in seconds (default 60): one call, not a session. */
  readonly ttlSeconds?: number;
  /** Clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** Extra signed context entries (the call binding is always added and cannot be overridden). */
  readonly context?: Readonly<JsonObject>;
  /** Default: `{ allowed_actions: [<call name>], max_tool_calls: 1 }`. */
  readonly permissions?: Permissions;
  /** Packet `risk_level` (default null: the lifetime is `ttlSeconds`). */
  readonly riskLevel?: string;
  /**
   * Packet `constraints` (default none). `{ requires_human_review: true }` makes the receiving gate
   * refuse the call (`human_review_required`, before the replay step) until signed approvals ride
   * beside the packet — what a receiver that pauses for a human approval needs.
   */
  readonly constraints?: Partial<Constraints>;
}

/** A minted envelope for one call: the wire JSON and the packet id the attestation must name. */
export interface ToolCallEnvelope {
  readonly envelope: string;
  readonly packetId: string;
}

const DEFAULT_TTL_SECONDS = 60;

/** Create and sign the envelope for one call (intent = the call's name, the call bound in `context`). */
export function issueToolCallEnvelope(
  identity: AgentIdentity,
  call: ToolCall,
  options: IssueToolCallEnvelopeOptions,
): ToolCallEnvelope {
  if (call === null || typeof call !== 'object' || typeof call.name !== 'string' || call.name.length === 0)
    throw new ConfigurationError('a tool call needs a name');
  if (typeof options?.audience !== 'string' || options.audience.length === 0)
    throw new ConfigurationError('issueToolCallEnvelope needs the receiving agent id (audience)');
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
      ...(options.constraints === undefined ? {} : { constraints: options.constraints }),
    },
    options.now === undefined ? {} : { now: options.now },
  );
  return {
    envelope: serializeDelegationEnvelope(createDelegationEnvelope(packet)),
    packetId: packet.packet_id,
  };
}
