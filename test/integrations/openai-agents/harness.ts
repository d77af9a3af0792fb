/**
 * OpenAI Agents JS wired for the tests, no network and no API key: a scripted model behind the SDK's
 * own `Model` / `ModelProvider` interfaces, run through a real `Runner`. The model answers each
 * request with the next scripted turn (tool calls, handoffs, or a final message).
 */
import {
  Agent,
  Runner,
  Usage,
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type StreamEvent,
} from '@openai/agents-core';
import { z } from 'zod';
import {
  AgentIdentity,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  type GateHooks,
} from '../../support/api.js';
import { RUN_CONTEXT_KEY, verifiedTool } from '../../../src/integrations/openai-agents/index.js';
import type { ToolCall } from '../../../src/integrations/core/index.js';
import { matrixBodies, type Runs } from '../matrix/cases.js';

/** One model turn: function calls (by name, arguments, call id), or a final text. */
export type Turn = readonly (ToolCall & { readonly id: string })[] | string;

export class ScriptedModel implements Model {
  readonly requests: ModelRequest[] = [];
  private next = 0;
  constructor(private readonly turns: readonly Turn[]) {}

  getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const turn = this.turns[this.next++] ?? 'done';
    const output: ModelResponse['output'] =
      typeof turn === 'string'
        ? [
            {
              type: 'message',
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text: turn }],
            },
          ]
        : turn.map((c) => ({
            type: 'function_call' as const,
            callId: c.id,
            name: c.name,
            arguments: JSON.stringify(c.arguments ?? {}),
            status: 'completed' as const,
          }));
    return Promise.resolve({ usage: new Usage(), output, responseId: `r${this.next}` });
  }

  getStreamedResponse(): AsyncIterable<StreamEvent> {
    throw new Error('the scripted model does not stream');
  }
}

export function scriptedProvider(model: Model): ModelProvider {
  return { getModel: () => model };
}

export interface AgentsHarness {
  readonly caller: AgentIdentity;
  readonly receiver: AgentIdentity;
  readonly gate: HandoffGate;
  readonly runs: Runs;
  readonly worker: Agent;
  /** The model calls `call` (id `call-1`); the envelope (if any) rides in the run context. */
  send(call: ToolCall, envelope: string | undefined): Promise<unknown>;
}

export async function agentsHarness(options: { readonly hooks?: GateHooks } = {}): Promise<AgentsHarness> {
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
  const worker = new Agent({
    name: 'files',
    instructions: 'Use the file tools.',
    tools: [
      verifiedTool(
        gate,
        { name: 'read_file', description: 'Read', parameters: file, execute: (a) => bodies.read_file(a) },
        verify,
      ),
      verifiedTool(
        gate,
        {
          name: 'delete_file',
          description: 'Delete',
          parameters: file,
          execute: (a) => bodies.delete_file(a),
        },
        verify,
      ),
      verifiedTool(
        gate,
        {
          name: 'explode',
          description: 'Explode',
          parameters: z.object({}),
          execute: () => bodies.explode(),
        },
        verify,
      ),
    ],
  });
  return {
    caller,
    receiver,
    gate,
    runs,
    worker,
    send: (call, envelope) => {
      const model = new ScriptedModel([[{ ...call, id: 'call-1' }], 'done']);
      const runner = new Runner({ modelProvider: scriptedProvider(model), tracingDisabled: true });
      const context: Record<string, unknown> =
        envelope === undefined
          ? {}
          : { [RUN_CONTEXT_KEY]: { envelopes: { [call.name]: envelope }, packetIds: {} } };
      return runner.run(worker, 'go', { context });
    },
  };
}
