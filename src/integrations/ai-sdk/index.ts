/**
 * `trusthandoff/ai-sdk`: signed tool calls and attested results for the Vercel AI SDK (`ai` 7). The
 * envelope rides in the tool's context (`toolsContext`), the gate decides in the SDK's `toolApproval`
 * step (a REJECT is an automatic denial with the gate's reason) or in `execute`, and the model sees
 * the result without its attestation (`toModelOutput`). The SDK is never imported at run time.
 */
export {
  ENVELOPE_CONTEXT_KEY,
  TRACEPARENT_CONTEXT_KEY,
  OUTPUT_KEY,
  REJECTION_KEY,
  verifiedTool,
  verifiedToolApproval,
  type VerifiedToolApproval,
  type VerifiedToolContext,
  type VerifiedToolContextOf,
  type VerifiedToolOutput,
} from './tool.js';
export {
  issueToolContext,
  verifyToolResult,
  verifyToolCall,
  type IssueToolContextOptions,
  type MintedToolContext,
  type GenerationParts,
} from './caller.js';
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
} from '../core/index.js';
