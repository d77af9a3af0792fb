/**
 * The receiving side, independent of the SDK version: MCP has no tool middleware, so the check wraps
 * the tool callback itself. The gate runs with the call's tool name and arguments as expectations
 * BEFORE the handler — a captured envelope presented to another tool, or with other arguments, is
 * refused before the replay step and never spends the nonce of the legitimate call. An accepted call
 * runs the handler as an attested node; every refusal is a tool error result, never a throw (a thrown
 * error reaches some clients as a plain text result that reads like success).
 */
import { ConfigurationError, TrustHandoffError } from '../../errors.js';
import { wrapNode } from '../../attestation/wrap-node.js';
import { serializeNodeOutput } from '../../attestation/node-output.js';
import type { AttestationSigner } from '../../attestation/types.js';
import type { AcceptDecision, GateDecision } from '../../gate/decision.js';
import type { CallExpectations } from '../../gate/expectations.js';
import type { GateInput } from '../../gate/parse.js';
import type { SignedTaskPacket } from '../../packet/types.js';
import type { OutcomeEncoding } from '../../wire/canonical.js';
import { ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_CONTENT_KEY, REJECTION_META_KEY } from './keys.js';

/** What the wrapper needs of a gate: `HandoffGate` fits. */
export interface ToolCallGate {
  handle(input: GateInput, options?: { readonly expect?: CallExpectations }): Promise<GateDecision>;
}

export interface VerifiedToolOptions {
  /** The tool server's signer (usually its `AgentIdentity`): it signs every result's attestation. */
  readonly identity: AttestationSigner;
  /** Clock for attestation timestamps, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** `'decimals-v1'` to attest results with decimals (SPEC §10.6); default `'reference'`. */
  readonly outcomeEncoding?: OutcomeEncoding;
  /** Longest error message put in the attested result of a throwing handler (default 1,024). */
  readonly maxErrorMessageLength?: number;
}

/** What the handler gets besides its arguments: the verified packet and the SDK's request context. */
export interface VerifiedToolCall<X> {
  /** The packet the gate accepted (frozen, signed by the caller's registered key). */
  readonly packet: SignedTaskPacket;
  readonly decision: AcceptDecision;
  /** v1: the `RequestHandlerExtra`; v2: the `ServerContext`. */
  readonly extra: X;
}

/** A tool body: returns a plain JSON object (integers, no floats unless `decimals-v1`), which is attested. */
export type VerifiedToolHandler<A, R extends object, X> = (
  args: A,
  call: VerifiedToolCall<X>,
) => R | PromiseLike<R>;

/** The MCP tool result the wrapper returns (a subset of `CallToolResult`, valid on v1 and v2). */
export interface VerifiedToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError?: boolean;
  _meta: Record<string, unknown>;
}

/** The machine-readable refusal a rejected call returns, in `structuredContent` and `_meta`. */
export interface ToolCallRejection {
  readonly decision: 'REJECT';
  /**
   * The gate's reason (`Invalid signature`, `Replay detected`, `tool_name_mismatch`, …), or this
   * integration's own: `envelope_missing` (no envelope in the request's `_meta`),
   * `malformed_envelope` (not a string), `attestation_failed` (the handler's result cannot be
   * attested; `details.code` says why).
   */
  readonly reason: string;
  readonly packet_id: string | null;
  readonly details?: unknown;
}

/** How an adapter reads the request `_meta` out of the SDK's second callback argument. */
export type RequestMetaReader<X> = (extra: X) => unknown;

/**
 * The SDK-neutral wrapper: `(args, extra) => Promise<result>`. The adapters (v1, v2) supply how the
 * request `_meta` is read. Options are checked here, once.
 */
export function verifiedToolWith<A, R extends object, X>(
  readMeta: RequestMetaReader<X>,
  gate: ToolCallGate,
  name: string,
  handler: VerifiedToolHandler<A, R, X>,
  options: VerifiedToolOptions,
): (args: A, extra: X) => Promise<VerifiedToolResult> {
  if (gate === null || typeof gate !== 'object' || typeof gate.handle !== 'function')
    throw new ConfigurationError('verifiedTool needs a gate with a handle() method');
  if (typeof name !== 'string' || name.length === 0)
    throw new ConfigurationError('verifiedTool needs the tool name');
  if (typeof handler !== 'function') throw new ConfigurationError('verifiedTool needs a handler function');
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('verifiedTool needs options with an identity');
  const attested = wrapNode((_packetId: string, args: A, call: VerifiedToolCall<X>) => handler(args, call), {
    identity: options.identity,
    packetId: (packetId) => packetId,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.outcomeEncoding === undefined ? {} : { outcomeEncoding: options.outcomeEncoding }),
    ...(options.maxErrorMessageLength === undefined
      ? {}
      : { maxErrorMessageLength: options.maxErrorMessageLength }),
  });
  const outcomeEncoding = options.outcomeEncoding;

  return async function verifiedToolCallback(args: A, extra: X): Promise<VerifiedToolResult> {
    const envelope = readEnvelope(readMeta, extra);
    if (envelope === undefined)
      return rejectionResult({ decision: 'REJECT', reason: 'envelope_missing', packet_id: null });
    if (typeof envelope !== 'string')
      return rejectionResult({ decision: 'REJECT', reason: 'malformed_envelope', packet_id: null });
    // A tool registered without an input schema gets no arguments: the caller must have signed `{}`.
    const callArguments: unknown = args === undefined ? {} : args;
    const decision = await gate.handle(envelope, {
      expect: { toolCall: { name, arguments: callArguments } },
    });
    if (decision.decision !== 'ACCEPT') {
      return rejectionResult({
        decision: 'REJECT',
        reason: decision.reason,
        packet_id: decision.packet_id,
        ...(decision.details === undefined ? {} : { details: decision.details }),
      });
    }
    const packetId = decision.packet.packet_id;
    let output;
    try {
      output = await attested(packetId, args, { packet: decision.packet, decision, extra });
    } catch (error) {
      // wrapNode refuses to return an unattested result (a float, a non-object, > 256 KiB): the
      // handler ran, but its result never leaves unsigned.
      const code = error instanceof TrustHandoffError ? error.code : 'unexpected_error';
      return rejectionResult({
        decision: 'REJECT',
        reason: 'attestation_failed',
        packet_id: packetId,
        details: { code },
      });
    }
    const wire = serializeNodeOutput(output, outcomeEncoding === undefined ? {} : { outcomeEncoding });
    const failed = 'reason' in output;
    return {
      content: [{ type: 'text', text: JSON.stringify(output.result) }],
      structuredContent: output.result as Record<string, unknown>,
      ...(failed ? { isError: true } : {}),
      _meta: { [OUTPUT_META_KEY]: wire },
    };
  };
}

function readEnvelope<X>(readMeta: RequestMetaReader<X>, extra: X): unknown {
  let meta: unknown;
  try {
    meta = readMeta(extra);
  } catch {
    return undefined;
  }
  if (meta === null || typeof meta !== 'object') return undefined;
  return Object.hasOwn(meta, ENVELOPE_META_KEY)
    ? (meta as Record<string, unknown>)[ENVELOPE_META_KEY]
    : undefined;
}

function rejectionResult(rejection: ToolCallRejection): VerifiedToolResult {
  return {
    content: [{ type: 'text', text: `trusthandoff refused the tool call: ${rejection.reason}` }],
    structuredContent: { [REJECTION_CONTENT_KEY]: rejection },
    isError: true,
    _meta: { [REJECTION_META_KEY]: rejection },
  };
}

/** The part of an `McpServer` (v1 or v2) the register helpers use. */
export interface McpServerLike {
  registerTool(name: string, config: never, callback: never): unknown;
}

/** The config of `registerTool` (`inputSchema` a zod raw shape or schema, or absent). */
export interface McpToolConfig {
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
  readonly annotations?: Record<string, unknown>;
  readonly _meta?: Record<string, unknown>;
}

/**
 * `server.registerTool(name, config, verifiedToolWith(...))` for either SDK generation, also for tools
 * without an `inputSchema` (the SDK then calls back with its request object alone, and the caller
 * must have signed the arguments `{}`).
 */
export function registerVerifiedToolWith<A, R extends object, X>(
  readMeta: (request: X) => unknown,
  helper: string,
  server: McpServerLike,
  gate: ToolCallGate,
  name: string,
  config: McpToolConfig,
  handler: VerifiedToolHandler<A, R, X>,
  options: VerifiedToolOptions,
): unknown {
  if (server === null || typeof server !== 'object' || typeof server.registerTool !== 'function')
    throw new ConfigurationError(`${helper} needs an McpServer`);
  const callback = verifiedToolWith<A, R, X>(readMeta, gate, name, handler, options);
  const registered = config.inputSchema === undefined ? (request: X) => callback({} as A, request) : callback;
  return server.registerTool(name, config as never, registered as never);
}
