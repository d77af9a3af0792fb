/**
 * The calling side, the same for the v1 (`@modelcontextprotocol/sdk`) and v2
 * (`@modelcontextprotocol/client`) clients: mint a short-lived packet bound to this one tool call,
 * send it in the request's `_meta`, and accept the result only with a valid, unreplayed attestation
 * from the expected tool server over the packet we sent.
 */
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { isPlainObject } from '../../wire/json-value.js';
import {
  issueToolCallEnvelope,
  type IssueToolCallEnvelopeOptions,
  type ToolCall,
  type ToolCallEnvelope,
} from '../core/envelope.js';
import {
  refuseCall,
  verifyAttestedResult,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../core/verdict.js';
import { ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_META_KEY, TRACEPARENT_META_KEY } from './keys.js';

/** What the helpers need of an MCP client: v1's `Client` and v2's `Client` both fit. */
export interface McpToolClient {
  callTool(params: {
    name: string;
    arguments?: Record<string, unknown>;
    _meta?: Record<string, unknown>;
  }): Promise<unknown>;
}

export interface CallVerifiedToolOptions
  extends IssueToolCallEnvelopeOptions, Omit<VerifyToolCallResultOptions, 'packetId'> {
  /** The caller's identity: signs the packet. Its key must be in the server gate's registry. */
  readonly identity: AgentIdentity;
  /** W3C `traceparent`, sent beside the envelope in `_meta`. */
  readonly traceparent?: string;
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

/** Call the tool with an envelope you already hold (see `issueToolCallEnvelope`) and verify the result. */
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
  if (!isPlainObject(result)) return refuseCall('malformed_result');
  const meta = result['_meta'];
  if (!isPlainObject(meta)) return verifyAttestedResult(undefined, undefined, options);
  return verifyAttestedResult(meta[OUTPUT_META_KEY], meta[REJECTION_META_KEY], options);
}
