/**
 * The receiving side, independent of the SDK version: MCP has no tool middleware, so the check wraps
 * the tool callback itself (the gate and the attested handler are the shared receiver of
 * ../core/receive.ts). Every refusal is a tool error result, never a throw (a thrown error reaches
 * some clients as a plain text result that reads like success).
 */
import { ConfigurationError } from '../../errors.js';
import {
  createCallReceiver,
  readOwnEntry,
  type ToolCallGate,
  type VerifiedToolHandler,
  type VerifiedToolOptions,
} from '../core/receive.js';
import type { ToolCallRejection } from '../core/verdict.js';
import { ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_CONTENT_KEY, REJECTION_META_KEY } from './keys.js';

/** The MCP tool result the wrapper returns (a subset of `CallToolResult`, valid on v1 and v2). */
export interface VerifiedToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent: Record<string, unknown>;
  isError?: boolean;
  _meta: Record<string, unknown>;
}

/** How an adapter reads the request `_meta` out of the SDK's second callback argument. */
export type RequestMetaReader<X> = (extra: X) => unknown;

/**
 * The SDK-neutral wrapper: `(args, extra) => Promise<result>`. The adapters (v1, v2) supply how the
 * request `_meta` is read.
 */
export function verifiedToolWith<A, R extends object, X>(
  readMeta: RequestMetaReader<X>,
  gate: ToolCallGate,
  name: string,
  handler: VerifiedToolHandler<A, R, X>,
  options: VerifiedToolOptions,
): (args: A, extra: X) => Promise<VerifiedToolResult> {
  const receive = createCallReceiver(gate, name, handler, options, 'verifiedTool', 'mcp');
  return async function verifiedToolCallback(args: A, extra: X): Promise<VerifiedToolResult> {
    const received = await receive(readEnvelope(readMeta, extra), args, extra);
    if (!received.ok) return rejectionResult(received.rejection);
    return {
      content: [{ type: 'text', text: JSON.stringify(received.output.result) }],
      structuredContent: received.output.result as Record<string, unknown>,
      ...(received.failed ? { isError: true } : {}),
      _meta: { [OUTPUT_META_KEY]: received.wire },
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
  return readOwnEntry(meta, ENVELOPE_META_KEY);
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
