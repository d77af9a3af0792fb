/**
 * `trusthandoff/a2a`: signed, call-bound delegation and attested results over the Agent2Agent
 * protocol, for `@a2a-js/sdk` 1.x. The SDK is never imported here: every type is structural, so this
 * entry loads without it.
 */
export {
  DELEGATION_EXTENSION_URI,
  TASK_STATE,
  a2aCallOf,
  a2aArgumentsOf,
  dataPart,
  textPart,
  type A2AMessage,
  type A2APart,
  type DelegationMessageEntry,
} from './wire.js';
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
} from '../core/index.js';
export {
  delegationInterceptor,
  verifyA2AResult,
  skillMessage,
  approvalMessage,
  type A2AVerdict,
  type AttestedArtifact,
  type DelegationInterceptor,
  type DelegationInterceptorOptions,
  type InterceptorBeforeArgs,
  type InterceptorAfterArgs,
} from './client.js';
export {
  verifiedAgentExecutor,
  delegationExtension,
  type VerifiedAgentExecutor,
  type VerifiedAgentExecutorOptions,
  type InnerAgentExecutor,
  type VerifiedA2ACall,
  type DelegationResultEntry,
  type A2ATask,
  type A2AArtifact,
  type A2AExecutionEvent,
  type A2AEventBus,
  type A2ARequestContext,
} from './server.js';
