/**
 * A signed handoff in OpenAI Agents JS (docs/integrations/openai-agents.md): a planner agent hands off
 * to a files agent; the handoff's `onHandoff` mints one envelope per authorized tool call into the run
 * context, the files agent's verified tool lets its gate decide in a tool input guardrail, and the
 * planner's side verifies the attested output carried in the tool output item's custom data. The
 * model is scripted through the SDK's `Model` / `ModelProvider` interfaces (no network, no API key) —
 * use your provider instead. Run through test/integrations/openai-agents/example.test.ts, or after
 * `npm run build` with `node dist/examples/openai-agents-handoff.js`.
 */
import { pathToFileURL } from 'node:url';
import { Agent, Runner, Usage, type Model, type ModelResponse, type StreamEvent } from '@openai/agents-core';
import { z } from 'zod';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from 'trusthandoff';
import {
  packetIdFor,
  signedHandoff,
  verifiedTool,
  verifyToolCall,
  type ToolCallVerdict,
} from 'trusthandoff/openai-agents';

type Turn = { readonly call: string; readonly name: string; readonly args: object } | string;

/** A stand-in for a real model: it plays the scripted turns in order. */
function scriptedModel(turns: readonly Turn[]): Model {
  let next = 0;
  return {
    getResponse(): Promise<ModelResponse> {
      const turn = turns[next++] ?? 'done';
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
          : [
              {
                type: 'function_call',
                callId: turn.call,
                name: turn.name,
                arguments: JSON.stringify(turn.args),
              },
            ];
      return Promise.resolve({ usage: new Usage(), output });
    },
    getStreamedResponse(): AsyncIterable<StreamEvent> {
      throw new Error('not streamed in this example');
    },
  };
}

export async function openAiAgentsHandoffExample(): Promise<Record<string, ToolCallVerdict>> {
  const planner = AgentIdentity.generate(); // signs what the files agent may do
  const files = AgentIdentity.generate(); // the files agent: its tools' results are attested with this key

  // Receiving side: a gate for the files agent, and a tool whose body runs only after ACCEPT.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  const gate = new HandoffGate({ agentId: files.agentId, registry, replayStore: new MemoryReplayStore() });
  const filesAgent = new Agent({
    name: 'files',
    instructions: 'Read the files you are asked for.',
    tools: [
      verifiedTool(
        gate,
        {
          name: 'read_file',
          description: 'Read a file',
          parameters: z.object({ path: z.string() }),
          execute: ({ path }) => ({ path, bytes: 42 }),
        },
        { identity: files },
      ),
    ],
  });

  // Delegating side: the handoff authorizes exactly one call, minted when the handoff happens.
  const plannerAgent = new Agent({
    name: 'planner',
    instructions: 'Hand file work to the files agent.',
    handoffs: [
      signedHandoff(filesAgent, {
        identity: planner,
        audience: files.agentId,
        calls: () => [{ name: 'read_file', arguments: { path: '/srv/report.txt' } }],
      }),
    ],
  });
  const verify = {
    attestationKey: files.publicKeyPem, // from your registry, never from the result
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  };

  // One run: the planner hands off, then the files agent's model calls read_file with `path`.
  const run = async (path: string) => {
    const context = {};
    const model = scriptedModel([
      { call: 'h1', name: 'transfer_to_files', args: {} },
      { call: 'c1', name: 'read_file', args: { path } },
      'done',
    ]);
    const runner = new Runner({ modelProvider: { getModel: () => model }, tracingDisabled: true });
    const result = await runner.run(plannerAgent, 'Summarize /srv/report.txt', { context });
    return verifyToolCall(result, 'c1', { ...verify, packetId: packetIdFor({ context }, 'read_file') ?? '' });
  };

  const legit = await run('/srv/report.txt');
  // A model steered to other arguments: the guardrail refuses before the body runs.
  const swappedArguments = await run('/etc/shadow');
  return { legit, swappedArguments };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [what, verdict] of Object.entries(await openAiAgentsHandoffExample())) {
    const shown = verdict.ok
      ? `accepted ${JSON.stringify(verdict.result)}`
      : `refused ${verdict.reason} ${JSON.stringify(verdict.details ?? {})}`;
    console.log(`${what.padEnd(17)} ${shown}`);
  }
}
