/**
 * The calling side for a LangChain agent: a `wrapToolCall` middleware for `createAgent`. For each
 * call to a tool it knows the receiver of, it mints a short-lived envelope bound to the call's name
 * and arguments, hands it to the tool beside the call, and verifies the attested result before the
 * model sees anything: the model reads the verified result (or the refusal), the attestation stays
 * in `ToolMessage.artifact`.
 */
import { ToolMessage } from '@langchain/core/messages';
import type { ToolCall as LangChainToolCall } from '@langchain/core/messages/tool';
import { createMiddleware, type AgentMiddleware } from 'langchain';
import type { AttestationPublicKey } from '../../attestation/verify.js';
import { ConfigurationError } from '../../errors.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { isPlainObject } from '../../wire/json-value.js';
import { issueToolCallEnvelope, type IssueToolCallEnvelopeOptions } from '../core/envelope.js';
import {
  refuseCall,
  verifyAttestedResult,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../core/verdict.js';
import { ARTIFACT_KEY, ENVELOPE_TOOL_CALL_KEY, TRACEPARENT_TOOL_CALL_KEY } from './keys.js';
import { modelText } from './tool.js';

/** Who receives a signed tool: its agent id (the audience) and its attestation key, from your registry. */
export interface SignedToolTarget {
  readonly audience: string;
  readonly attestationKey: AttestationPublicKey;
}

export interface SignedToolCallMiddlewareOptions
  extends
    Omit<IssueToolCallEnvelopeOptions, 'audience'>,
    Omit<VerifyToolCallResultOptions, 'packetId' | 'attestationKey'> {
  /** The calling agent: signs every envelope. Its key must be in each receiving gate's registry. */
  readonly identity: AgentIdentity;
  /** The tools to sign, by name, with their receivers. Calls to other tools pass through unsigned. */
  readonly tools: Readonly<Record<string, SignedToolTarget>>;
  /** W3C `traceparent` sent beside each envelope: a value, or a function read at each call. */
  readonly traceparent?: string | (() => string | undefined);
  /** The middleware's name in the agent (default `trusthandoff`). */
  readonly name?: string;
}

/**
 * `createAgent({ middleware: [signedToolCallMiddleware({ identity, tools, replayTracker })] })`.
 * Options are checked here.
 */
export function signedToolCallMiddleware(options: SignedToolCallMiddlewareOptions): AgentMiddleware {
  if (options === null || typeof options !== 'object')
    throw new ConfigurationError('signedToolCallMiddleware needs options');
  const { identity, tools, traceparent } = options;
  if (identity === undefined || typeof identity.sign !== 'function')
    throw new ConfigurationError('signedToolCallMiddleware needs the calling identity');
  if (!isPlainObject(tools) || Object.keys(tools).length === 0)
    throw new ConfigurationError('signedToolCallMiddleware needs the tools to sign, with their receivers');
  for (const [name, target] of Object.entries(tools)) {
    if (!isPlainObject(target) || typeof target['audience'] !== 'string' || target['audience'] === '')
      throw new ConfigurationError(`signedToolCallMiddleware: tool ${name} needs an audience`);
    if (target['attestationKey'] === undefined)
      throw new ConfigurationError(`signedToolCallMiddleware: tool ${name} needs an attestationKey`);
  }
  if (options.replayTracker === undefined)
    throw new ConfigurationError('signedToolCallMiddleware needs a replayTracker');

  return createMiddleware({
    name: options.name ?? 'trusthandoff',
    wrapToolCall: async (request, handler) => {
      const toolCall = request.toolCall;
      const target = Object.hasOwn(tools, toolCall.name) ? tools[toolCall.name] : undefined;
      if (target === undefined) return handler(request);
      const minted = issueToolCallEnvelope(
        identity,
        { name: toolCall.name, arguments: toolCall.args },
        { ...options, audience: target.audience },
      );
      const trace = typeof traceparent === 'function' ? traceparent() : traceparent;
      const result = await handler({
        ...request,
        toolCall: withEnvelope(toolCall, minted.envelope, trace),
      });
      const verdict = await verifyToolMessage(result, {
        ...options,
        attestationKey: target.attestationKey,
        packetId: minted.packetId,
      });
      return verifiedToolMessage(toolCall, result, verdict);
    },
  });
}

/**
 * A copy of `toolCall` carrying `envelope` (and `traceparent`) beside it, as the verified tool reads
 * them. The middleware does this; use it yourself to send an envelope you already hold.
 */
export function withEnvelope(
  toolCall: LangChainToolCall,
  envelope: string,
  traceparent?: string,
): LangChainToolCall {
  return {
    ...toolCall,
    [ENVELOPE_TOOL_CALL_KEY]: envelope,
    ...(traceparent === undefined ? {} : { [TRACEPARENT_TOOL_CALL_KEY]: traceparent }),
  } as LangChainToolCall;
}

/**
 * Verify what a verified tool answered: the attested output in `message.artifact` (or its refusal).
 * Never throws for what the message holds.
 */
export async function verifyToolMessage(
  message: unknown,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  if (!ToolMessage.isInstance(message)) return refuseCall('malformed_result');
  const artifact: unknown = message.artifact;
  const ours = isPlainObject(artifact) && isPlainObject(artifact[ARTIFACT_KEY]) ? artifact[ARTIFACT_KEY] : {};
  return verifyAttestedResult(ours['output'], ours['rejection'], options);
}

// What the model reads: the verified result, or why there is none. Nothing of the attestation.
function verifiedToolMessage(
  toolCall: LangChainToolCall,
  result: unknown,
  verdict: ToolCallVerdict,
): ToolMessage {
  const artifact: unknown = ToolMessage.isInstance(result) ? result.artifact : undefined;
  const ours = isPlainObject(artifact) && isPlainObject(artifact[ARTIFACT_KEY]) ? artifact[ARTIFACT_KEY] : {};
  return new ToolMessage({
    tool_call_id: toolCall.id ?? '',
    name: toolCall.name,
    content: verdict.ok ? modelText(verdict.result) : refusalText(verdict),
    status: verdict.ok ? 'success' : 'error',
    artifact: { [ARTIFACT_KEY]: { ...ours, verdict } },
  });
}

function refusalText(verdict: Extract<ToolCallVerdict, { ok: false }>): string {
  if (verdict.reason === 'tool_error')
    return `the tool failed: ${modelText(verdict.details?.['error'] ?? null)}`;
  const inner = typeof verdict.details?.['reason'] === 'string' ? ` (${verdict.details['reason']})` : '';
  return `trusthandoff refused the tool call: ${verdict.reason}${inner}`;
}
