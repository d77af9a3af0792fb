/**
 * The receiving side for a LangChain agent: a tool whose body runs only after the gate accepted the
 * envelope that came with this tool call, for this tool's name and these arguments. It answers
 * `[content, artifact]` (`responseFormat: 'content_and_artifact'`): the content is what the model
 * may read, the artifact carries the attested output — or the refusal — to the calling middleware.
 */
import { DynamicStructuredTool, type ToolRunnableConfig } from '@langchain/core/tools';
import { encodeJson } from '../../wire/canonical.js';
import {
  createCallReceiver,
  readOwnEntry,
  type ToolCallGate,
  type VerifiedToolHandler,
  type VerifiedToolOptions,
} from '../core/receive.js';
import { ARTIFACT_KEY, ENVELOPE_TOOL_CALL_KEY, TRACEPARENT_TOOL_CALL_KEY } from './keys.js';

/** What the body gets as `call.extra`: the tool's config and the trace context. */
export interface VerifiedToolExtra {
  readonly config: ToolRunnableConfig | undefined;
  /** The `traceparent` that came beside the envelope, if any (not signed). */
  readonly traceparent: string | undefined;
}

export interface VerifiedLangChainToolOptions extends VerifiedToolOptions {
  readonly description: string;
  /** The tool's arguments: a zod object schema (or JSON schema). The parsed value is what is bound. */
  readonly schema: DynamicStructuredTool['schema'];
}

/**
 * A LangChain tool for `createAgent({ tools })` (or a `ToolNode`) whose body is gated and attested.
 * The caller's `signedToolCallMiddleware` supplies the envelope; without one the call is refused
 * (`envelope_missing`) and the body does not run.
 */
export function createVerifiedTool<A, R extends object>(
  gate: ToolCallGate,
  name: string,
  body: VerifiedToolHandler<A, R, VerifiedToolExtra>,
  options: VerifiedLangChainToolOptions,
): DynamicStructuredTool {
  const receive = createCallReceiver(gate, name, body, options, 'createVerifiedTool');
  return new DynamicStructuredTool({
    name,
    description: options.description,
    schema: options.schema,
    responseFormat: 'content_and_artifact',
    func: async (args: unknown, _runManager, config?: ToolRunnableConfig) => {
      const toolCall: unknown = config?.toolCall;
      const trace = readOwnEntry(toolCall, TRACEPARENT_TOOL_CALL_KEY);
      const received = await receive(readOwnEntry(toolCall, ENVELOPE_TOOL_CALL_KEY), args as A, {
        config,
        traceparent: typeof trace === 'string' ? trace : undefined,
      });
      if (!received.ok) {
        return [
          `trusthandoff refused the tool call: ${received.rejection.reason}`,
          { [ARTIFACT_KEY]: { rejection: received.rejection } },
        ];
      }
      return [modelText(received.output.result), { [ARTIFACT_KEY]: { output: received.wire } }];
    },
  });
}

/** A result as the model reads it: JSON (big integers exact), or a note if it has no JSON form. */
export function modelText(value: unknown): string {
  try {
    return encodeJson(value);
  } catch {
    return '[result not representable as JSON]';
  }
}
