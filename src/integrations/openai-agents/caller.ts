/**
 * The delegating side for OpenAI Agents JS: mint the envelope for a tool call into the run context
 * (directly, or in a signed handoff's `onHandoff`), pass it on to MCP tool calls (`toolMetaResolver`),
 * and verify the tool output items that come back (the attested output rides in their custom data).
 */
import {
  handoff,
  type Agent,
  type AgentOutputType,
  type Handoff,
  type MCPToolCustomDataExtractor,
  type MCPToolMetaResolver,
  type RunContext,
} from '@openai/agents-core';
import { ConfigurationError } from '../../errors.js';
import type { AgentIdentity } from '../../identity/agent-identity.js';
import { isPlainObject } from '../../wire/json-value.js';
import {
  issueToolCallEnvelope,
  type IssueToolCallEnvelopeOptions,
  type ToolCall,
  type ToolCallEnvelope,
} from '../core/envelope.js';
import { readOwnEntry } from '../core/receive.js';
import {
  refuseCall,
  verifyAttestedResult,
  type ToolCallVerdict,
  type VerifyToolCallResultOptions,
} from '../core/verdict.js';
import { ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_META_KEY, TRACEPARENT_META_KEY } from '../mcp/keys.js';
import { OUTPUT_KEY, REJECTION_KEY, RUN_CONTEXT_KEY, envelopesIn, type RunContextEnvelopes } from './tool.js';

export interface AttachToolEnvelopeOptions extends IssueToolCallEnvelopeOptions {
  /** W3C `traceparent`, carried beside the envelopes. */
  readonly traceparent?: string;
}

/**
 * Mint a short-lived packet bound to `call` and put it into `context` (the object you pass as the
 * run's `context`, or `runContext.context`) under {@link RUN_CONTEXT_KEY}, for the tool `call.name`.
 * One envelope per tool name: a second one for the same tool replaces the first.
 */
export function attachToolEnvelope(
  context: object,
  identity: AgentIdentity,
  call: ToolCall,
  options: AttachToolEnvelopeOptions,
): ToolCallEnvelope {
  if (context === null || typeof context !== 'object')
    throw new ConfigurationError('attachToolEnvelope needs the run context object');
  const minted = issueToolCallEnvelope(identity, call, options);
  const holder = context as Record<string, unknown>;
  const existing = readOwnEntry(holder, RUN_CONTEXT_KEY);
  const record: RunContextEnvelopes = isPlainObject(existing)
    ? (existing as unknown as RunContextEnvelopes)
    : { envelopes: {}, packetIds: {} };
  record.envelopes = { ...record.envelopes, [call.name]: minted.envelope };
  record.packetIds = { ...record.packetIds, [call.name]: minted.packetId };
  if (options.traceparent !== undefined) record.traceparent = options.traceparent;
  holder[RUN_CONTEXT_KEY] = record;
  return minted;
}

/** The packet id minted for `toolName` in this run context (what `verifyToolCall` needs). */
export function packetIdFor(
  runContext: RunContext | { context: unknown },
  toolName: string,
): string | undefined {
  const id = readOwnEntry(envelopesIn(runContext)?.packetIds, toolName);
  return typeof id === 'string' ? id : undefined;
}

/** The SDK's `handoff(agent, config)` config (`onHandoff`, `inputType`, `toolNameOverride`, …). */
export type HandoffOptions = NonNullable<Parameters<typeof handoff>[1]>;

export interface SignedHandoffOptions extends Omit<IssueToolCallEnvelopeOptions, 'audience'> {
  /** The delegating agent's identity: signs every packet. */
  readonly identity: AgentIdentity;
  /** The receiving side's agent id (its gate's audience). */
  readonly audience: string;
  /** The tool calls the handoff authorizes, from the handoff's input (and the run context). */
  readonly calls: (
    input: unknown,
    runContext: RunContext,
  ) => readonly ToolCall[] | PromiseLike<readonly ToolCall[]>;
  /** W3C `traceparent`, or a function giving it at handoff time (e.g. `activeTraceparent`). */
  readonly traceparent?: string | (() => string | undefined);
  /** The SDK's own handoff config; its `onHandoff` runs after the envelopes are minted. */
  readonly handoff?: HandoffOptions;
}

/**
 * `handoff(agent, …)` whose `onHandoff` mints one envelope per authorized call into the run context
 * (then runs your own `onHandoff`): the agent handed off to can call exactly those tools with exactly
 * those arguments, and its verified tools refuse everything else.
 */
export function signedHandoff<TContext, TOutput extends AgentOutputType>(
  agent: Agent<TContext, TOutput>,
  options: SignedHandoffOptions,
): Handoff<TContext, TOutput> {
  if (options === null || typeof options !== 'object' || typeof options.calls !== 'function')
    throw new ConfigurationError('signedHandoff needs options with calls(input, runContext)');
  const { identity, audience, calls, traceparent, ttlSeconds, now, context, permissions, riskLevel } =
    options;
  const config: HandoffOptions = options.handoff ?? {};
  const userOnHandoff = config.onHandoff;
  return handoff(agent, {
    ...config,
    async onHandoff(runContext, input) {
      const holder: unknown = runContext.context;
      if (holder === null || typeof holder !== 'object')
        throw new ConfigurationError(
          'signedHandoff needs a run context object (run(agent, input, { context: {} }))',
        );
      const tp = typeof traceparent === 'function' ? traceparent() : traceparent;
      for (const call of await calls(input, runContext as RunContext))
        attachToolEnvelope(holder, identity, call, {
          audience,
          ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
          ...(now === undefined ? {} : { now }),
          ...(context === undefined ? {} : { context }),
          ...(permissions === undefined ? {} : { permissions }),
          ...(riskLevel === undefined ? {} : { riskLevel }),
          ...(tp === undefined ? {} : { traceparent: tp }),
        });
      await userOnHandoff?.(runContext, input);
    },
  });
}

/**
 * For an MCP server of the run (`new MCPServerStdio({ …, toolMetaResolver })`): attaches the
 * envelope for the called tool — the `_meta` key of `trusthandoff/mcp` — and the traceparent to
 * every MCP tool call, so a trusthandoff MCP server (`registerVerifiedTool`) can check it.
 */
export function mcpToolMetaResolver(): MCPToolMetaResolver {
  return ({ runContext, toolName }) => {
    const record = envelopesIn(runContext);
    const envelope = readOwnEntry(record?.envelopes, toolName);
    if (typeof envelope !== 'string') return undefined;
    return {
      [ENVELOPE_META_KEY]: envelope,
      ...(typeof record?.traceparent === 'string' ? { [TRACEPARENT_META_KEY]: record.traceparent } : {}),
    };
  };
}

/**
 * For the same MCP server (`customDataExtractor`): moves the attested output (or the refusal) from
 * the MCP result's `_meta` into the tool output item's custom data, where `verifyToolOutput` reads it.
 */
export function mcpCustomDataExtractor(): MCPToolCustomDataExtractor {
  return ({ resultMeta }) => {
    const output = readOwnEntry(resultMeta, OUTPUT_META_KEY);
    const rejection = readOwnEntry(resultMeta, REJECTION_META_KEY);
    if (output === undefined && rejection === undefined) return undefined;
    return {
      ...(output === undefined ? {} : { [OUTPUT_KEY]: output }),
      ...(rejection === undefined ? {} : { [REJECTION_KEY]: rejection }),
    };
  };
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/** Verify one tool output item (`RunToolCallOutputItem`) of a run. Never throws for what came back. */
export async function verifyToolOutput(
  item: unknown,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  if (field(item, 'type') !== 'tool_call_output_item') return refuseCall('malformed_result');
  const data = field(item, 'customData');
  if (!isPlainObject(data)) return verifyAttestedResult(undefined, undefined, options);
  return verifyAttestedResult(data[OUTPUT_KEY], data[REJECTION_KEY], options);
}

/**
 * Find the output item of the tool call `callId` in a run result (`result.newItems`) and verify it.
 * A call with no output item (interrupted, never made) is `attestation_missing`.
 */
export async function verifyToolCall(
  result: unknown,
  callId: string,
  options: VerifyToolCallResultOptions,
): Promise<ToolCallVerdict> {
  const items = field(result, 'newItems');
  if (!Array.isArray(items)) return refuseCall('attestation_missing');
  const item = (items as unknown[]).find(
    (candidate) =>
      field(candidate, 'type') === 'tool_call_output_item' &&
      field(field(candidate, 'rawItem'), 'callId') === callId,
  );
  if (item === undefined) return refuseCall('attestation_missing');
  return verifyToolOutput(item, options);
}
