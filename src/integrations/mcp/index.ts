/**
 * `trusthandoff/mcp`: signed tool calls and attested results over the Model Context Protocol, for
 * `@modelcontextprotocol/sdk` 1.x and the v2 packages (`@modelcontextprotocol/server` / `client`).
 * The SDKs are never imported here: every type is structural, so this entry loads without them.
 */
export {
  ENVELOPE_META_KEY,
  OUTPUT_META_KEY,
  REJECTION_META_KEY,
  REJECTION_CONTENT_KEY,
  TRACEPARENT_META_KEY,
} from './keys.js';
export {
  issueToolCallEnvelope,
  callVerifiedTool,
  callToolWithEnvelope,
  verifyToolCallResult,
  type ToolCall,
  type McpToolClient,
  type IssueToolCallEnvelopeOptions,
  type ToolCallEnvelope,
  type VerifyToolCallResultOptions,
  type CallVerifiedToolOptions,
  type ToolCallRefusalReason,
  type ToolCallVerdict,
} from './client.js';
export {
  verifiedToolWith,
  type ToolCallGate,
  type VerifiedToolOptions,
  type VerifiedToolCall,
  type VerifiedToolHandler,
  type VerifiedToolResult,
  type ToolCallRejection,
  type RequestMetaReader,
  type McpToolConfig,
  type McpServerLike,
} from './server.js';
export { verifiedTool, registerVerifiedTool, type McpV1RequestExtra, type McpV1ServerLike } from './v1.js';
export {
  verifiedToolV2,
  registerVerifiedToolV2,
  type McpV2RequestContext,
  type McpV2ServerLike,
} from './v2.js';
