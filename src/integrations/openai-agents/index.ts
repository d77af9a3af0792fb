/**
 * `trusthandoff/openai-agents`: signed handoffs and tool calls, attested results, for OpenAI Agents JS
 * (`@openai/agents-core` 0.20, also through `@openai/agents`). The envelopes ride in the run context,
 * a tool input guardrail decides each call with the gate, and the attestation rides in the tool
 * output item's SDK-only custom data. This entry imports the SDK (for `handoff`); the core never does.
 */
export {
  RUN_CONTEXT_KEY,
  OUTPUT_KEY,
  REJECTION_KEY,
  envelopesIn,
  verifiedTool,
  type RunContextEnvelopes,
  type OpenAiAgentsToolCall,
} from './tool.js';
export {
  attachToolEnvelope,
  packetIdFor,
  signedHandoff,
  mcpToolMetaResolver,
  mcpCustomDataExtractor,
  verifyToolOutput,
  verifyToolCall,
  type AttachToolEnvelopeOptions,
  type SignedHandoffOptions,
  type HandoffOptions,
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
