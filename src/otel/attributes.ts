/**
 * Attribute names used by the OpenTelemetry integration. The `gen_ai.*` strings are copied from the
 * GenAI semantic conventions (the `@opentelemetry/semantic-conventions` package marks them
 * incubating/deprecated, and this integration must not depend on it); `trusthandoff.*` are ours.
 */
export const ATTR = {
  genAiOperation: 'gen_ai.operation.name',
  genAiAgentId: 'gen_ai.agent.id',
  genAiToolName: 'gen_ai.tool.name',
  errorType: 'error.type',
  decision: 'trusthandoff.decision',
  reason: 'trusthandoff.reason',
  rejectedStep: 'trusthandoff.rejected_step',
  latencyMs: 'trusthandoff.latency_ms',
  packetId: 'trusthandoff.packet_id',
  taskId: 'trusthandoff.task_id',
  sender: 'trusthandoff.sender',
  audience: 'trusthandoff.audience',
  verifierId: 'trusthandoff.verifier.id',
  verifierInstanceId: 'trusthandoff.verifier.instance_id',
  step: 'trusthandoff.step',
  stepOutcome: 'trusthandoff.step.outcome',
  verdict: 'trusthandoff.verdict',
  capabilityId: 'trusthandoff.capability_id',
  chainLength: 'trusthandoff.capability_chain.length',
  chainFailedIndex: 'trusthandoff.capability_chain.failed_index',
  signedBy: 'trusthandoff.attestation.signed_by',
  attestationStatus: 'trusthandoff.attestation.status',
} as const;

/** The packet context key of the tool-call convention (docs/gate.md). */
export const TOOL_CALL_CONTEXT_KEY = 'trusthandoff.tool_call';

/** Cut an untrusted string to `max` UTF-16 code units, marker included, without splitting a pair. */
export function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}
