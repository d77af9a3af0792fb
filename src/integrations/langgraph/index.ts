/**
 * `trusthandoff/langgraph`: signed handoffs between the nodes of a LangGraph.js graph. The sending
 * agent's tool returns a `Command` with a call-bound envelope in the state; the receiving node runs
 * only after its gate accepts that envelope for this node and these arguments, and its result comes
 * back attested; a packet that requires review pauses on `interrupt()` until a signed approval
 * resumes it. Imports `@langchain/langgraph` and `@langchain/core` (optional peer dependencies); the
 * core `trusthandoff` entry never imports this one.
 */
export { HANDOFF_STATE_KEY, APPROVAL_REQUEST_TYPE } from './keys.js';
export { handoffChannel, type HandoffSlot } from './state.js';
export { createHandoffTool, type HandoffToolOptions } from './handoff.js';
export {
  verifiedNode,
  type VerifiedNodeExtra,
  type VerifiedNodeOptions,
  type ApprovalRequest,
} from './node.js';
export { verifyHandoffResult } from './verify.js';
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
