/**
 * The framework-neutral half of every integration (MCP, A2A, LangGraph, the AI SDK, OpenAI Agents):
 * minting a call-bound envelope, receiving a call through the gate into an attested handler, and
 * verifying what comes back. Each integration's entry re-exports what its users need from here.
 */
export {
  issueToolCallEnvelope,
  type ToolCall,
  type IssueToolCallEnvelopeOptions,
  type ToolCallEnvelope,
} from './envelope.js';
export {
  verifyAttestedResult,
  refuseCall,
  type VerifyToolCallResultOptions,
  type ToolCallRefusalReason,
  type ToolCallVerdict,
  type ToolCallRejection,
} from './verdict.js';
export {
  createCallReceiver,
  readOwnEntry,
  type ToolCallGate,
  type VerifiedToolOptions,
  type VerifiedToolCall,
  type VerifiedToolHandler,
  type ReceivedCall,
  type AdmittedCall,
  type CallReceiver,
} from './receive.js';
