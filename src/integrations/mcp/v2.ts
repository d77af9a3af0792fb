/**
 * Adapter for the v2 packages (`@modelcontextprotocol/server` 2.x): tool callbacks get `(args, ctx)`
 * and the request `_meta` is `ctx.mcpReq._meta` (the SDK lifts its own `io.modelcontextprotocol/*`
 * keys out; ours stay). Under the stateless 2026-07-28 protocol every request carries its own
 * envelope anyway. Nothing here imports the SDK; the types are structural.
 */
import {
  registerVerifiedToolWith,
  verifiedToolWith,
  type McpServerLike,
  type McpToolConfig,
  type VerifiedToolResult,
} from './server.js';
import { type ToolCallGate, type VerifiedToolHandler, type VerifiedToolOptions } from '../core/receive.js';

/** The part of v2's `ServerContext` this adapter reads. */
export interface McpV2RequestContext {
  readonly mcpReq: { readonly _meta?: Record<string, unknown> | undefined };
}

/** The part of v2's `McpServer` `registerVerifiedToolV2` uses. */
export type McpV2ServerLike = McpServerLike;

const readV2Meta = (ctx: McpV2RequestContext): unknown => ctx?.mcpReq?._meta;

/** {@link verifiedTool} for the v2 SDK. For a tool registered with an `inputSchema`. */
export function verifiedToolV2<A, R extends object, X extends McpV2RequestContext = McpV2RequestContext>(
  gate: ToolCallGate,
  name: string,
  handler: VerifiedToolHandler<A, R, X>,
  options: VerifiedToolOptions,
): (args: A, ctx: X) => Promise<VerifiedToolResult> {
  return verifiedToolWith<A, R, X>(readV2Meta, gate, name, handler, options);
}

/** {@link registerVerifiedTool} for the v2 SDK. */
export function registerVerifiedToolV2<A, R extends object>(
  server: McpV2ServerLike,
  gate: ToolCallGate,
  name: string,
  config: McpToolConfig,
  handler: VerifiedToolHandler<A, R, McpV2RequestContext>,
  options: VerifiedToolOptions,
): unknown {
  return registerVerifiedToolWith(
    readV2Meta,
    'registerVerifiedToolV2',
    server,
    gate,
    name,
    config,
    handler,
    options,
  );
}
