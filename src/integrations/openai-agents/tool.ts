/**
 * The receiving side for OpenAI Agents JS (`@openai/agents-core` 0.20): a function tool whose body
 * runs only after the envelope for its call — carried in the run context, where a signed handoff or
 * the caller put it — passed the gate with the call's name and arguments as expectations. The gate
 * decides in a tool input guardrail added to the tool: a REJECT is `rejectContent` with the gate's
 * reason (the body never runs), an ACCEPT is handed to the tool's `invoke`. The attested output is
 * attached to the tool output item as SDK-only custom data (`customDataExtractor`), which the model
 * never sees; the model gets the result alone.
 *
 * This file imports the SDK (`tool`): the entry needs `@openai/agents-core` installed.
 */
import {
  tool,
  type FunctionTool,
  type RunContext,
  type ToolInputGuardrailDefinition,
  type ToolInputParameters,
  type ToolOptionsWithGuardrails,
  type UnknownContext,
} from '@openai/agents-core';
import { ConfigurationError } from '../../errors.js';
import type { AcceptDecision } from '../../gate/decision.js';
import { toolArgumentsDigest } from '../../gate/expectations.js';
import { isPlainObject } from '../../wire/json-value.js';
import {
  createCallReceiver,
  readOwnEntry,
  type CallReceiver,
  type ReceivedCall,
  type ToolCallGate,
  type VerifiedToolOptions,
} from '../core/receive.js';
import type { ToolCallRejection } from '../core/verdict.js';
import { OUTPUT_META_KEY, REJECTION_META_KEY } from '../mcp/keys.js';

/** Run-context key under which the envelopes for this run's tool calls ride. */
export const RUN_CONTEXT_KEY = 'dev.trusthandoff/tool_calls';
/** Custom-data key of the attested node output (`serializeNodeOutput` wire JSON). */
export const OUTPUT_KEY: typeof OUTPUT_META_KEY = OUTPUT_META_KEY;
/** Custom-data key of a refusal `{ decision: 'REJECT', reason, packet_id, details? }`. */
export const REJECTION_KEY: typeof REJECTION_META_KEY = REJECTION_META_KEY;

/** What rides in the run context under {@link RUN_CONTEXT_KEY}. */
export interface RunContextEnvelopes {
  /** By tool name: the serialized envelope for that tool's one call. */
  envelopes: Record<string, string>;
  /** By tool name: the packet id of that envelope (for the caller's verification). */
  packetIds: Record<string, string>;
  /** W3C `traceparent` of the delegating side, carried beside the envelopes. */
  traceparent?: string;
}

/** The run context's envelope record (own properties only), or undefined. */
export function envelopesIn(runContext: unknown): RunContextEnvelopes | undefined {
  const context = readOwnEntry(runContext, 'context');
  const entry = readOwnEntry(context, RUN_CONTEXT_KEY);
  return isPlainObject(entry) ? (entry as unknown as RunContextEnvelopes) : undefined;
}

function envelopeFor(runContext: unknown, toolName: string): unknown {
  return readOwnEntry(envelopesIn(runContext)?.envelopes, toolName);
}

/** Parsed call arguments; a string that is not JSON stays a string (and will not match a binding). */
function parseArguments(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function digestOf(args: unknown): string {
  try {
    return toolArgumentsDigest(args);
  } catch {
    return '';
  }
}

/** Bounded map: oldest entries go first. */
class Held<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  put(key: string, value: V): void {
    this.map.delete(key);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }
  take(key: string): V | undefined {
    const value = this.map.get(key);
    this.map.delete(key);
    return value;
  }
}

const MAX_HELD = 1024;
const keyOf = (callId: unknown, envelope: unknown): string =>
  `${typeof callId === 'string' ? callId : ''}\n${typeof envelope === 'string' ? envelope : ''}`;

type ToolConfig = Parameters<typeof tool>[0];
type Extractor = NonNullable<FunctionTool['customDataExtractor']>;

interface Admitted {
  readonly digest: string;
  readonly decision: AcceptDecision;
}

/** What the body's `extra` is: the SDK's execute arguments besides the input. */
export interface OpenAiAgentsToolCall {
  /** The input as the tool's `parameters` schema parsed it (what `execute` gets). */
  readonly input: unknown;
  readonly runContext: RunContext | undefined;
  readonly details: unknown;
}

function refusalMessage(rejection: ToolCallRejection): string {
  return `trusthandoff refused the tool call: ${rejection.reason}`;
}

/**
 * `tool({ … })` for a verified tool: takes the options you would pass to the SDK's `tool()` and
 * returns the function tool. A tool input guardrail decides each call with `gate` (the envelope for
 * this tool's name in the run context; a REJECT is `rejectContent` with the gate's reason, and the
 * rejection is the guardrail's `outputInfo`); the body (`execute`) runs as an attested node; the
 * attested output (or the refusal) is attached to the tool output item's custom data. The model sees
 * the body's result alone. A body that returns a string is attested as `{ text }`. The call is bound
 * to the arguments as the model sent them (the JSON before your `parameters` schema parses it).
 */
export function verifiedTool<TParameters extends ToolInputParameters = undefined, Context = UnknownContext>(
  gate: ToolCallGate,
  config: ToolOptionsWithGuardrails<TParameters, Context>,
  options: VerifiedToolOptions,
): FunctionTool<Context, TParameters> {
  if (config === null || typeof config !== 'object' || typeof config.execute !== 'function')
    throw new ConfigurationError('verifiedTool needs tool options with an execute function');
  const configured: unknown = config.name;
  if (typeof configured !== 'string' || configured.length === 0)
    throw new ConfigurationError('verifiedTool needs the tool name (options.name)');
  const name: string = configured;
  const execute = config.execute as (input: unknown, runContext?: unknown, details?: unknown) => unknown;
  const receive: CallReceiver<unknown, OpenAiAgentsToolCall> = createCallReceiver(
    gate,
    name,
    async (_args: unknown, call) => {
      const produced: unknown = await execute(call.extra.input, call.extra.runContext, call.extra.details);
      return typeof produced === 'string' ? { text: produced } : (produced as object);
    },
    options,
  );
  const admitted = new Held<Admitted>(MAX_HELD);
  const outcomes = new Held<Record<string, unknown>>(MAX_HELD);

  const guardrail: ToolInputGuardrailDefinition = {
    type: 'tool_input',
    name: 'trusthandoff',
    async run({ context, toolCall }) {
      const envelope = envelopeFor(context, name);
      const args = parseArguments(toolCall.arguments);
      const verdict = await receive.admit(envelope, args);
      const key = keyOf(toolCall.callId, envelope);
      if (!verdict.ok) {
        outcomes.put(key, { [REJECTION_KEY]: verdict.rejection });
        return {
          behavior: { type: 'rejectContent', message: refusalMessage(verdict.rejection) },
          outputInfo: verdict.rejection,
        };
      }
      admitted.put(key, { digest: digestOf(args), decision: verdict.decision });
      return { behavior: { type: 'allow' } };
    },
  };

  async function verifiedExecute(
    input: unknown,
    runContext?: RunContext,
    details?: unknown,
  ): Promise<unknown> {
    const toolCall = readOwnEntry(details, 'toolCall');
    const callId = readOwnEntry(toolCall, 'callId');
    const args = parseArguments(readOwnEntry(toolCall, 'arguments') ?? input);
    const envelope = envelopeFor(runContext, name);
    const extra: OpenAiAgentsToolCall = { input, runContext, details };
    const key = keyOf(callId, envelope);
    const held = admitted.take(key);
    const received: ReceivedCall =
      held !== undefined && held.digest === digestOf(args)
        ? await receive.runAdmitted(held.decision, args, extra)
        : await receive(envelope, args, extra);
    if (!received.ok) {
      outcomes.put(key, { [REJECTION_KEY]: received.rejection });
      return refusalMessage(received.rejection);
    }
    outcomes.put(key, { [OUTPUT_KEY]: received.wire });
    return received.output.result;
  }

  const userExtractor = config.customDataExtractor as Extractor | undefined;
  const customDataExtractor: Extractor = async (context) => {
    const own = outcomes.take(keyOf(context.toolCall.callId, envelopeFor(context.runContext, name)));
    const theirs = userExtractor === undefined ? undefined : await userExtractor(context);
    if (own === undefined && theirs == null) return undefined;
    return { ...(theirs ?? {}), ...(own ?? {}) };
  };

  return tool({
    ...(config as ToolConfig),
    execute: verifiedExecute,
    inputGuardrails: [guardrail, ...((config as ToolConfig).inputGuardrails ?? [])],
    customDataExtractor,
  } as ToolConfig);
}
