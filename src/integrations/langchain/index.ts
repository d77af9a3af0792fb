/**
 * `trusthandoff/langchain`: signed tool calls and attested results for LangChain 1.x agents
 * (`createAgent`). The calling agent adds one middleware (`signedToolCallMiddleware`); the tool's
 * owner builds the tool with `createVerifiedTool`. Imports `langchain` and `@langchain/core`
 * (optional peer dependencies); the core `trusthandoff` entry never imports this one.
 */
export { ENVELOPE_TOOL_CALL_KEY, TRACEPARENT_TOOL_CALL_KEY, ARTIFACT_KEY } from './keys.js';
export { createVerifiedTool, type VerifiedToolExtra, type VerifiedLangChainToolOptions } from './tool.js';
export {
  signedToolCallMiddleware,
  withEnvelope,
  verifyToolMessage,
  type SignedToolTarget,
  type SignedToolCallMiddlewareOptions,
} from './middleware.js';
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
