/**
 * Adapter for `@modelcontextprotocol/sdk` 1.x (`McpServer`): tool callbacks get `(args, extra)` and
 * the request `_meta` is `extra._meta`. Nothing here imports the SDK; the types are structural.
 */
import {
  registerVerifiedToolWith,
  verifiedToolWith,
  type McpServerLike,
  type McpToolConfig,
  type VerifiedToolResult,
} from './server.js';
import { type ToolCallGate, type VerifiedToolHandler, type VerifiedToolOptions } from '../core/receive.js';

/** The part of v1's `RequestHandlerExtra` this adapter reads. */
export interface McpV1RequestExtra {
  readonly _meta?: Record<string, unknown> | undefined;
}

/** The part of v1's `McpServer` `registerVerifiedTool` uses. */
export type McpV1ServerLike = McpServerLike;

const readV1Meta = (extra: McpV1RequestExtra): unknown => extra?._meta;

/**
 * Wrap a v1 tool callback: the envelope is read from `extra._meta`, checked by the gate with this
 * tool's name and arguments as expectations, and only an ACCEPT runs `handler`, whose result returns
 * attested in `result._meta`. For a tool registered with an `inputSchema`.
 */
export function verifiedTool<A, R extends object, X extends McpV1RequestExtra = McpV1RequestExtra>(
  gate: ToolCallGate,
  name: string,
  handler: VerifiedToolHandler<A, R, X>,
  options: VerifiedToolOptions,
): (args: A, extra: X) => Promise<VerifiedToolResult> {
  return verifiedToolWith<A, R, X>(readV1Meta, gate, name, handler, options);
}

/**
 * `server.registerTool(name, config, verifiedTool(...))`, also for tools without an `inputSchema`
 * (the SDK then calls back with `extra` alone, and the caller must have signed the arguments `{}`).
 */
export function registerVerifiedTool<A, R extends object>(
  server: McpV1ServerLike,
  gate: ToolCallGate,
  name: string,
  config: McpToolConfig,
  handler: VerifiedToolHandler<A, R, McpV1RequestExtra>,
  options: VerifiedToolOptions,
): unknown {
  return registerVerifiedToolWith(
    readV1Meta,
    'registerVerifiedTool',
    server,
    gate,
    name,
    config,
    handler,
    options,
  );
}
