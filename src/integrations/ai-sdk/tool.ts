/**
 * The receiving side for the Vercel AI SDK (`ai` 7): a tool's `execute` runs only after the caller's
 * envelope, carried in the tool's own context (`toolsContext[<tool name>]`), passed the gate with the
 * call's name and parsed input as expectations. `verifiedToolApproval()` moves the gate's decision
 * into the SDK's `toolApproval` step, so a refused call becomes an automatic denial with the gate's
 * reason — the body never runs — and the accepted decision is handed to `execute`. The attestation
 * stays in the tool result the application sees; `toModelOutput` gives the model the result alone.
 *
 * The SDK is never imported here (types only): this entry loads without it.
 */
import type { GenericToolApprovalFunction, Tool, ToolExecutionOptions, ToolSet } from 'ai';
import { ConfigurationError } from '../../errors.js';
import type { AcceptDecision } from '../../gate/decision.js';
import { toolArgumentsDigest } from '../../gate/expectations.js';
import { isPlainObject } from '../../wire/json-value.js';
import {
  createCallReceiver,
  readOwnEntry,
  type CallReceiver,
  type ToolCallGate,
  type VerifiedToolOptions,
} from '../core/receive.js';
import type { ToolCallRejection } from '../core/verdict.js';
import { ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_META_KEY, TRACEPARENT_META_KEY } from '../mcp/keys.js';

/** Tool-context key of the serialized delegation envelope (the same string as MCP's `_meta` key). */
export const ENVELOPE_CONTEXT_KEY: typeof ENVELOPE_META_KEY = ENVELOPE_META_KEY;
/** Tool-context key of the W3C `traceparent` sent beside the envelope. */
export const TRACEPARENT_CONTEXT_KEY: typeof TRACEPARENT_META_KEY = TRACEPARENT_META_KEY;
/** Output key of the attested node output (`serializeNodeOutput` wire JSON). */
export const OUTPUT_KEY: typeof OUTPUT_META_KEY = OUTPUT_META_KEY;
/** Output key of a refusal `{ decision: 'REJECT', reason, packet_id, details? }`. */
export const REJECTION_KEY: typeof REJECTION_META_KEY = REJECTION_META_KEY;

/** What a verified tool's context carries besides the tool's own context. */
// A type alias, not an interface: it must be assignable to the SDK's `Context` (a record).
export type VerifiedToolContext = {
  readonly [ENVELOPE_CONTEXT_KEY]?: string;
  readonly [TRACEPARENT_CONTEXT_KEY]?: string;
};

/**
 * A verified tool's context type: ours, plus the tool's own when it declares one. Without one, the
 * entry is optional in `toolsContext` (a call without it is refused as `envelope_missing`).
 */
export type VerifiedToolContextOf<C> = unknown extends C
  ? VerifiedToolContext | undefined
  : [C] extends [never]
    ? VerifiedToolContext | undefined
    : string extends keyof C // the SDK's untyped default (`Record<string, unknown>`)
      ? VerifiedToolContext | undefined
      : VerifiedToolContext & C;

/**
 * What a verified tool's `execute` returns (the tool result the application sees): the attested
 * result and its wire output, or the refusal. The model sees only `result` (or the refusal's reason).
 */
export type VerifiedToolOutput<R> =
  { readonly result: R; readonly [OUTPUT_KEY]: string } | { readonly [REJECTION_KEY]: ToolCallRejection };

type AnyTool = Tool;
type ModelOutput = Awaited<ReturnType<NonNullable<AnyTool['toModelOutput']>>>;

interface StandardResult {
  readonly value?: unknown;
  readonly issues?: readonly { readonly message: string }[];
}
interface StandardSchemaLike {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): StandardResult | Promise<StandardResult>;
  };
}

/** An accepted decision waiting for `execute`, made in the approval step. */
interface Admitted {
  readonly toolCallId: string;
  readonly digest: string;
  readonly decision: AcceptDecision;
}

interface VerifiedState {
  readonly name: string;
  readonly receive: CallReceiver<unknown, ToolExecutionOptions<unknown>>;
  /** By envelope (the gate accepts one envelope once): what the approval admitted. */
  readonly admitted: Map<string, Admitted>;
}

/** The wrapped tools, for `verifiedToolApproval` (it gets the tool objects from the SDK). */
const verifiedTools = new WeakMap<object, VerifiedState>();

/** Most decisions kept between approval and `execute` per tool (oldest dropped; a dropped one is refused). */
const MAX_ADMITTED = 1024;

function isStandardSchema(schema: unknown): schema is StandardSchemaLike {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    '~standard' in schema &&
    typeof (schema as StandardSchemaLike)['~standard']?.validate === 'function'
  );
}

/** Our keys of a tool context, read from own properties only. */
function envelopeOf(context: unknown): unknown {
  return readOwnEntry(context, ENVELOPE_CONTEXT_KEY);
}

/** The context without the envelope (and without the traceparent too when `all`). */
function ownContext(context: unknown, all = false): unknown {
  if (!isPlainObject(context)) return context;
  return Object.fromEntries(
    Object.entries(context).filter(
      ([key]) => key !== ENVELOPE_CONTEXT_KEY && (!all || key !== TRACEPARENT_CONTEXT_KEY),
    ),
  );
}

/**
 * The wrapped tool's `contextSchema` (a Standard Schema): our keys pass through (a missing envelope is
 * the gate's `envelope_missing`, not a validation error), the rest goes through the tool's own schema.
 */
function contextSchemaFor(inner: StandardSchemaLike | undefined): StandardSchemaLike {
  return {
    '~standard': {
      version: 1,
      vendor: 'trusthandoff',
      async validate(value: unknown): Promise<StandardResult> {
        const ours: Record<string, unknown> = {};
        for (const key of [ENVELOPE_CONTEXT_KEY, TRACEPARENT_CONTEXT_KEY]) {
          const entry = readOwnEntry(value, key);
          if (entry !== undefined) ours[key] = entry;
        }
        if (inner === undefined) return { value: isPlainObject(value) ? { ...value, ...ours } : ours };
        const validated = await inner['~standard'].validate(ownContext(value, true));
        if (validated.issues !== undefined) return validated;
        return { value: isPlainObject(validated.value) ? { ...validated.value, ...ours } : ours };
      },
    },
  };
}

async function finalValue(produced: unknown): Promise<unknown> {
  // A streaming `execute` (an async iterable) is attested on its last value, the SDK's final output.
  if (
    produced !== null &&
    typeof produced === 'object' &&
    typeof (produced as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  ) {
    let last: unknown;
    for await (const value of produced as AsyncIterable<unknown>) last = value;
    return last;
  }
  return produced;
}

function refusalText(rejection: ToolCallRejection): string {
  return `trusthandoff refused the tool call: ${rejection.reason}`;
}

/**
 * Wrap an AI SDK tool: its `execute` runs only after the envelope in the tool's context
 * (`toolsContext[name][ENVELOPE_CONTEXT_KEY]`) passed `gate` with this tool's name and the parsed
 * input as expectations, and its result returns attested. A refusal is returned as the tool's result
 * (never thrown). `name` must be the key the tool is registered under in `tools`. The tool's own
 * `contextSchema`, if any, must be a Standard Schema (zod, valibot, arktype, …).
 */
export function verifiedTool<INPUT, OUTPUT, CONTEXT>(
  gate: ToolCallGate,
  name: string,
  tool: Tool<INPUT, OUTPUT, CONTEXT>,
  options: VerifiedToolOptions,
): Tool<INPUT, VerifiedToolOutput<OUTPUT>, VerifiedToolContextOf<CONTEXT>> {
  if (tool === null || typeof tool !== 'object' || typeof tool.execute !== 'function')
    throw new ConfigurationError('verifiedTool needs an AI SDK tool with an execute function');
  const innerSchema: unknown = tool.contextSchema;
  if (innerSchema !== undefined && !isStandardSchema(innerSchema))
    throw new ConfigurationError('verifiedTool: the tool contextSchema must be a Standard Schema');
  const execute = tool.execute as (input: unknown, options: ToolExecutionOptions<unknown>) => unknown;
  const userToModelOutput = tool.toModelOutput as AnyTool['toModelOutput'];
  const receive = createCallReceiver<unknown, object, ToolExecutionOptions<unknown>>(
    gate,
    name,
    async (input, call) => (await finalValue(execute(input, call.extra))) as object,
    options,
  );
  const state: VerifiedState = { name, receive, admitted: new Map() };

  const wrapped = {
    ...tool,
    contextSchema: contextSchemaFor(innerSchema),
    async execute(
      input: unknown,
      execution: ToolExecutionOptions<unknown>,
    ): Promise<VerifiedToolOutput<unknown>> {
      const context = execution.context;
      const envelope = envelopeOf(context);
      const extra = { ...execution, context: ownContext(context) };
      const admitted = typeof envelope === 'string' ? state.admitted.get(envelope) : undefined;
      let received;
      if (admitted !== undefined && typeof envelope === 'string') {
        state.admitted.delete(envelope);
        // The approval step decided this call: run it only for the same call id and input.
        received =
          admitted.toolCallId === execution.toolCallId && admitted.digest === digestOf(input)
            ? await receive.runAdmitted(admitted.decision, input, extra)
            : await receive(envelope, input, extra);
      } else {
        received = await receive(envelope, input, extra);
      }
      if (!received.ok) return { [REJECTION_KEY]: received.rejection };
      return { result: received.output.result, [OUTPUT_KEY]: received.wire };
    },
    async toModelOutput(options: {
      toolCallId: string;
      input: unknown;
      output: unknown;
    }): Promise<ModelOutput> {
      const output = options.output;
      if (isPlainObject(output) && isPlainObject(output[REJECTION_KEY]))
        return {
          type: 'error-text',
          value: refusalText(output[REJECTION_KEY] as unknown as ToolCallRejection),
        };
      const result = isPlainObject(output) ? output['result'] : undefined;
      const failed = isPlainObject(result) && typeof result['error_type'] === 'string' && 'error' in result;
      if (failed) return { type: 'error-json', value: result as never };
      if (userToModelOutput !== undefined) return userToModelOutput({ ...options, output: result });
      return { type: 'json', value: (result ?? null) as never };
    },
  };
  verifiedTools.set(wrapped, state);
  return wrapped as unknown as Tool<INPUT, VerifiedToolOutput<OUTPUT>, VerifiedToolContextOf<CONTEXT>>;
}

function digestOf(input: unknown): string {
  try {
    return toolArgumentsDigest(input === undefined ? {} : input);
  } catch {
    return '';
  }
}

/** The SDK's approval function type, for any tool set. */
export type VerifiedToolApproval = GenericToolApprovalFunction<ToolSet, Record<string, unknown>, unknown>;

/**
 * The `toolApproval` function of `generateText` / `streamText` / `ToolLoopAgent` that decides calls
 * of verified tools with their gate BEFORE `execute`: a REJECT is an automatic denial whose `reason`
 * is the gate's machine-readable reason (the SDK shows the model `execution-denied` with it), and the
 * tool never runs; an ACCEPT is handed to `execute`. Calls of other tools — and verified calls, first —
 * go to `policy` (your own approval function, default: none); the gate runs only when `policy` leaves
 * the call to it (`undefined` / `'not-applicable'` / `'approved'`), so a call your policy denies or
 * sends to a person does not spend its envelope.
 */
export function verifiedToolApproval(policy?: VerifiedToolApproval): VerifiedToolApproval {
  if (policy !== undefined && typeof policy !== 'function')
    throw new ConfigurationError('verifiedToolApproval: policy must be an approval function');
  return async (request) => {
    const { toolCall, tools, toolsContext } = request;
    const tool = readOwnEntry(tools, toolCall.toolName);
    const state = typeof tool === 'object' && tool !== null ? verifiedTools.get(tool) : undefined;
    const status = policy === undefined ? undefined : await policy(request);
    if (state === undefined) return status;
    const type = typeof status === 'object' ? status.type : status;
    if (type !== undefined && type !== 'not-applicable' && type !== 'approved') return status;
    const envelope = envelopeOf(readOwnEntry(toolsContext, toolCall.toolName));
    const admitted = await state.receive.admit(envelope, toolCall.input);
    if (!admitted.ok) return { type: 'denied', reason: admitted.rejection.reason };
    if (typeof envelope === 'string') {
      if (state.admitted.size >= MAX_ADMITTED) {
        const oldest = state.admitted.keys().next();
        if (oldest.done !== true) state.admitted.delete(oldest.value);
      }
      state.admitted.set(envelope, {
        toolCallId: toolCall.toolCallId,
        digest: digestOf(toolCall.input),
        decision: admitted.decision,
      });
    }
    return status;
  };
}
