/**
 * The calling side for the AI SDK: mint the envelope for one tool call as that tool's context entry
 * (`toolsContext: { [name]: minted.context }`), and verify what came back — the tool result the
 * application sees (the model saw only the result), or the approval step's automatic denial.
 */
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { isPlainObject } from '../../wire/json-value.js';
import { issueToolCallEnvelope, type IssueToolCallEnvelopeOptions, type ToolCall } from '../core/envelope.js';
import {
  refuseCall,
  verifyAttestedResult,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../core/verdict.js';
import {
  ENVELOPE_CONTEXT_KEY,
  OUTPUT_KEY,
  REJECTION_KEY,
  TRACEPARENT_CONTEXT_KEY,
  type VerifiedToolContext,
} from './tool.js';

export interface IssueToolContextOptions extends IssueToolCallEnvelopeOptions {
  /** W3C `traceparent`, carried beside the envelope in the tool context. */
  readonly traceparent?: string;
}

/** A minted tool context: put `context` under the tool's name in `toolsContext`. */
export interface MintedToolContext {
  readonly context: VerifiedToolContext;
  readonly envelope: string;
  readonly packetId: string;
}

/**
 * Mint a short-lived packet bound to one call (the tool's name and its input) and return it as the
 * tool's context entry: `toolsContext: { [call.name]: minted.context }`.
 */
export function issueToolContext(
  identity: AgentIdentity,
  call: ToolCall,
  options: IssueToolContextOptions,
): MintedToolContext {
  const minted = issueToolCallEnvelope(identity, call, options);
  return {
    context: {
      [ENVELOPE_CONTEXT_KEY]: minted.envelope,
      ...(options.traceparent === undefined ? {} : { [TRACEPARENT_CONTEXT_KEY]: options.traceparent }),
    },
    envelope: minted.envelope,
    packetId: minted.packetId,
  };
}

/**
 * Verify one content part of a generation (`result.content`, `step.content`): a `tool-result` of a
 * verified tool (its attested output, or the refusal `execute` returned), a denying
 * `tool-approval-response` (the gate's reason, from `verifiedToolApproval`), or a `tool-error`.
 * Never throws for what came back.
 */
export async function verifyToolResult(
  part: unknown,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  if (!isPlainObject(part)) return refuseCall('malformed_result');
  switch (part['type']) {
    case 'tool-result': {
      const output = part['output'];
      if (!isPlainObject(output)) return verifyAttestedResult(undefined, undefined, options);
      return verifyAttestedResult(output[OUTPUT_KEY], output[REJECTION_KEY], options);
    }
    case 'tool-approval-response': {
      if (part['approved'] !== false) return refuseCall('malformed_result');
      const reason = typeof part['reason'] === 'string' ? part['reason'] : 'denied';
      return verifyAttestedResult(undefined, { reason }, options);
    }
    case 'tool-error':
      return refuseCall('attestation_missing');
    default:
      return refuseCall('malformed_result');
  }
}

/** Where the parts of a generation are: a content array, or a result / step with `content` or `steps`. */
export type GenerationParts =
  | readonly unknown[]
  | { readonly content: readonly unknown[] }
  | { readonly steps: readonly { readonly content: readonly unknown[] }[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Own `key` of an SDK object (results and steps are class instances), never throwing. */
function field(value: unknown, key: string): unknown {
  if (!isObject(value)) return undefined;
  try {
    return value[key];
  } catch {
    return undefined;
  }
}

function partsOf(source: GenerationParts): readonly unknown[] {
  if (Array.isArray(source)) return source as readonly unknown[];
  const steps = field(source, 'steps');
  if (Array.isArray(steps))
    return (steps as unknown[]).flatMap((step) => {
      const content = field(step, 'content');
      return Array.isArray(content) ? (content as unknown[]) : [];
    });
  const content = field(source, 'content');
  return Array.isArray(content) ? (content as unknown[]) : [];
}

function callIdOf(part: unknown): unknown {
  if (!isPlainObject(part)) return undefined;
  if (part['type'] === 'tool-approval-response')
    return isPlainObject(part['toolCall']) ? part['toolCall']['toolCallId'] : undefined;
  return part['toolCallId'];
}

/**
 * Find what happened to the tool call `toolCallId` in a generation (`generateText`'s result, or
 * `{ steps: await stream.steps }`) and verify it: the outcome part is the tool's result, its error,
 * or a denial. A call with no outcome (still awaiting approval, or never made) is
 * `attestation_missing`.
 */
export async function verifyToolCall(
  source: GenerationParts,
  toolCallId: string,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  const outcome = partsOf(source).find((part) => {
    if (!isPlainObject(part) || callIdOf(part) !== toolCallId) return false;
    const type = part['type'];
    return (
      type === 'tool-result' ||
      type === 'tool-error' ||
      (type === 'tool-approval-response' && part['approved'] === false)
    );
  });
  if (outcome === undefined) return refuseCall('attestation_missing');
  return verifyToolResult(outcome, options);
}
