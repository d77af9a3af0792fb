/**
 * A signed AI SDK tool call (docs/integrations/ai-sdk.md): a planner lets a model call a `read_file`
 * tool whose body runs only for the call the planner signed. The envelope rides in the tool's context
 * (`toolsContext`), the gate decides in the SDK's `toolApproval` step (a refusal is an automatic
 * denial with the gate's reason), and the planner accepts the result only with the tool's
 * attestation; the model sees the result without it. The model is the SDK's own mock (`ai/test`)
 * scripted to call the tool — use your provider's model instead. Run through
 * test/integrations/ai-sdk/example.test.ts, or after `npm run build` with
 * `node dist/examples/ai-sdk-tool.js`.
 */
import { pathToFileURL } from 'node:url';
import { generateText, stepCountIs, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from 'trusthandoff';
import {
  issueToolContext,
  verifiedTool,
  verifiedToolApproval,
  verifyToolCall,
  type ToolCall,
  type ToolCallVerdict,
} from 'trusthandoff/ai-sdk';

/** A stand-in for a real model: it calls `call` once, then answers. */
function modelCalling(call: ToolCall): MockLanguageModelV4 {
  const usage = {
    inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 1, text: 1, reasoning: 0 },
  };
  const input = JSON.stringify(call.arguments ?? {});
  return new MockLanguageModelV4({
    doGenerate: [
      {
        content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: call.name, input }],
        finishReason: { unified: 'tool-calls', raw: undefined },
        usage,
        warnings: [],
      },
      {
        content: [{ type: 'text', text: 'done' }],
        finishReason: { unified: 'stop', raw: undefined },
        usage,
        warnings: [],
      },
    ],
  });
}

export async function aiSdkToolExample(): Promise<Record<string, ToolCallVerdict>> {
  const planner = AgentIdentity.generate(); // signs what the model may call
  const files = AgentIdentity.generate(); // the tools' agent identity: attests their results

  // Receiving side: a gate for the tools' inbox, and tools whose bodies run only after ACCEPT.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  const gate = new HandoffGate({ agentId: files.agentId, registry, replayStore: new MemoryReplayStore() });
  const fileInput = z.object({ path: z.string() });
  const tools = {
    read_file: verifiedTool(
      gate,
      'read_file',
      tool({
        description: 'Read a file',
        inputSchema: fileInput,
        execute: ({ path }) => ({ path, bytes: 42 }),
      }),
      { identity: files },
    ),
    delete_file: verifiedTool(
      gate,
      'delete_file',
      tool({
        description: 'Delete a file',
        inputSchema: fileInput,
        execute: ({ path }) => ({ deleted: path }),
      }),
      { identity: files },
    ),
  };
  const verify = {
    attestationKey: files.publicKeyPem, // from your registry, never from the result
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  };

  // One generation: the model calls `called`; the envelope signed for `signed` rides in its context.
  const run = async (called: ToolCall, minted: ReturnType<typeof issueToolContext>) => {
    const result = await generateText({
      model: modelCalling(called),
      prompt: 'Summarize /srv/report.txt',
      tools,
      toolsContext: { [called.name]: minted.context },
      toolApproval: verifiedToolApproval(),
      stopWhen: stepCountIs(3),
    });
    return verifyToolCall(result, 'call-1', { ...verify, packetId: minted.packetId });
  };

  const call = { name: 'read_file', arguments: { path: '/srv/report.txt' } };
  const legit = await run(call, issueToolContext(planner, call, { audience: files.agentId }));

  // A model steered to another tool, or to other arguments, with a captured envelope: both are
  // denied before the replay step, so the rightful call with the same envelope still goes through.
  const captured = issueToolContext(planner, call, { audience: files.agentId });
  const wrongTool = await run({ ...call, name: 'delete_file' }, captured);
  const swappedArguments = await run({ ...call, arguments: { path: '/etc/shadow' } }, captured);
  const rightful = await run(call, captured);
  const replayed = await run(call, captured);
  return { legit, wrongTool, swappedArguments, rightful, replayed };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [what, verdict] of Object.entries(await aiSdkToolExample())) {
    const shown = verdict.ok
      ? `accepted ${JSON.stringify(verdict.result)}`
      : `refused ${verdict.reason} ${JSON.stringify(verdict.details ?? {})}`;
    console.log(`${what.padEnd(17)} ${shown}`);
  }
}
