/**
 * The AI SDK wired for the tests: three verified tools (test/integrations/matrix/cases.ts bodies) and
 * the SDK's own mock language model (`ai/test`) emitting scripted tool calls — no network. `send`
 * makes the model call one tool with one input while the envelope rides in that tool's context.
 */
import { generateText, stepCountIs, streamText, tool, type ToolSet } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  type GateHooks,
} from '../../support/api.js';
import {
  ENVELOPE_CONTEXT_KEY,
  TRACEPARENT_CONTEXT_KEY,
  verifiedTool,
  verifiedToolApproval,
  type VerifiedToolApproval,
} from '../../../src/integrations/ai-sdk/index.js';
import type { ToolCall } from '../../../src/integrations/core/index.js';
import { matrixBodies, type Runs } from '../matrix/cases.js';

const USAGE = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

/** A mock model that calls `calls` in its first step and answers 'done' in the next. */
export function scriptedModel(calls: readonly (ToolCall & { readonly id: string })[]): MockLanguageModelV4 {
  const toolCalls = calls.map((c) => ({
    type: 'tool-call' as const,
    toolCallId: c.id,
    toolName: c.name,
    input: JSON.stringify(c.arguments ?? {}),
  }));
  const finish = (unified: 'tool-calls' | 'stop') => ({ unified, raw: undefined });
  return new MockLanguageModelV4({
    doGenerate: [
      { content: toolCalls, finishReason: finish('tool-calls'), usage: USAGE, warnings: [] },
      { content: [{ type: 'text', text: 'done' }], finishReason: finish('stop'), usage: USAGE, warnings: [] },
    ],
    doStream: [
      {
        stream: new ReadableStream({
          start(controller) {
            for (const call of toolCalls) controller.enqueue(call);
            controller.enqueue({ type: 'finish', finishReason: finish('tool-calls'), usage: USAGE });
            controller.close();
          },
        }),
      },
      {
        stream: new ReadableStream({
          start(controller) {
            controller.enqueue({ type: 'text-start', id: 't' });
            controller.enqueue({ type: 'text-delta', id: 't', delta: 'done' });
            controller.enqueue({ type: 'text-end', id: 't' });
            controller.enqueue({ type: 'finish', finishReason: finish('stop'), usage: USAGE });
            controller.close();
          },
        }),
      },
    ],
  });
}

export interface AiSdkHarness {
  readonly caller: AgentIdentity;
  readonly receiver: AgentIdentity;
  readonly tools: ToolSet;
  readonly runs: Runs;
  /** The model calls `call` (id `call-1`); the envelope (if any) rides in that tool's context. */
  generate(
    call: ToolCall,
    envelope: string | undefined,
    options?: { readonly approval?: boolean; readonly traceparent?: string },
  ): Promise<Awaited<ReturnType<typeof generateText>>>;
  stream(call: ToolCall, envelope: string | undefined): ReturnType<typeof streamText>;
}

export async function aiSdkHarness(
  options: { readonly hooks?: GateHooks; readonly policy?: VerifiedToolApproval } = {},
): Promise<AiSdkHarness> {
  const caller = AgentIdentity.generate();
  const receiver = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry();
  await registry.register(caller.agentId, caller.publicKeyPem);
  const gate = new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore: new MemoryReplayStore(),
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
  });
  const runs: Runs = {};
  const bodies = matrixBodies(runs);
  const file = z.object({ path: z.string() });
  const verify = { identity: receiver };
  const tools: ToolSet = {
    read_file: verifiedTool(
      gate,
      'read_file',
      tool({ inputSchema: file, execute: (args) => bodies.read_file(args) }),
      verify,
    ),
    delete_file: verifiedTool(
      gate,
      'delete_file',
      tool({ inputSchema: file, execute: (args) => bodies.delete_file(args) }),
      verify,
    ),
    explode: verifiedTool(
      gate,
      'explode',
      tool({ inputSchema: z.object({}), execute: bodies.explode }),
      verify,
    ),
  };
  const approval = verifiedToolApproval(options.policy);
  const toolsContextFor = (call: ToolCall, envelope: string | undefined, traceparent?: string) =>
    envelope === undefined
      ? {}
      : {
          [call.name]: {
            [ENVELOPE_CONTEXT_KEY]: envelope,
            ...(traceparent === undefined ? {} : { [TRACEPARENT_CONTEXT_KEY]: traceparent }),
          },
        };
  return {
    caller,
    receiver,
    tools,
    runs,
    generate: (call, envelope, opts = {}) =>
      generateText({
        model: scriptedModel([{ ...call, id: 'call-1' }]),
        prompt: 'do it',
        tools,
        toolsContext: toolsContextFor(call, envelope, opts.traceparent) as never,
        ...(opts.approval === false ? {} : { toolApproval: approval }),
        stopWhen: stepCountIs(3),
      }),
    stream: (call, envelope) =>
      streamText({
        model: scriptedModel([{ ...call, id: 'call-1' }]),
        prompt: 'do it',
        tools,
        toolsContext: toolsContextFor(call, envelope) as never,
        toolApproval: approval,
        stopWhen: stepCountIs(3),
      }),
  };
}
