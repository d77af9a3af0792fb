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
  type ToolCall,
  type IssueToolCallEnvelopeOptions,
  type ToolCallEnvelope,
  type VerifyToolCallResultOptions,
  type ToolCallRefusalReason,
  type ToolCallVerdict,
  type ToolCallRejection,
  type ToolCallGate,
  type VerifiedToolOptions,
  type VerifiedToolCall,
  type VerifiedToolHandler,
} from '../core/index.js';
export {
  callVerifiedTool,
  callToolWithEnvelope,
  verifyToolCallResult,
  type McpToolClient,
  type CallVerifiedToolOptions,
} from './client.js';
export {
  verifiedToolWith,
  type VerifiedToolResult,
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
