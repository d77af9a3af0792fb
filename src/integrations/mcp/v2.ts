/**
 * Adapter for the v2 packages (`@modelcontextprotocol/server` 2.x): tool callbacks get `(args, ctx)`
 * and the request `_meta` is `ctx.mcpReq._meta` (the SDK lifts its own `io.modelcontextprotocol/*`
 * keys out; ours stay). Under the stateless 2026-07-28 protocol every request carries its own
 * envelope anyway. Nothing here imports the SDK; the types are structural.
 */
import { ConfigurationError } from '../../errors.js';
import {
  verifiedToolWith,
  type ToolCallGate,
  type VerifiedToolHandler,
  type VerifiedToolOptions,
  type VerifiedToolResult,
} from './server.js';
import type { McpToolConfig } from './v1.js';

/** The part of v2's `ServerContext` this adapter reads. */
export interface McpV2RequestContext {
  readonly mcpReq: { readonly _meta?: Record<string, unknown> | undefined };
}

/** The part of v2's `McpServer` `registerVerifiedToolV2` uses. */
export interface McpV2ServerLike {
  registerTool(name: string, config: never, callback: never): unknown;
}

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
  if (server === null || typeof server !== 'object' || typeof server.registerTool !== 'function')
    throw new ConfigurationError('registerVerifiedToolV2 needs an McpServer');
  const callback = verifiedToolV2<A, R>(gate, name, handler, options);
  const registered =
    config.inputSchema === undefined ? (ctx: McpV2RequestContext) => callback({} as A, ctx) : callback;
  return server.registerTool(name, config as never, registered as never);
}
