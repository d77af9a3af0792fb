/**
 * Signed handoffs in LangGraph.js and signed tool calls in a LangChain agent
 * (docs/integrations/langgraph.md). A planner agent hands a task to a worker node with a signed,
 * call-bound envelope in the graph state; the worker runs only after its gate accepts it, and the
 * planner accepts the worker's result only with the worker's attestation. Then an agent calls a
 * verified tool through the `wrapToolCall` middleware: the model reads the verified result, the
 * attestation stays in `ToolMessage.artifact`. The chat models are @langchain/core's fake model, so
 * the example runs offline; use your own model in their place. Run through
 * test/integrations/langgraph/example.test.ts, or after `npm run build` with
 * `node dist/examples/langgraph-handoff.js`.
 */
import { pathToFileURL } from 'node:url';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import {
  Annotation,
  Command,
  END,
  MemorySaver,
  MessagesAnnotation,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { createAgent } from 'langchain';
import { z } from 'zod';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from 'trusthandoff';
import {
  createHandoffTool,
  handoffChannel,
  verifiedNode,
  verifyHandoffResult,
  type ToolCallVerdict,
} from 'trusthandoff/langgraph';
import { createVerifiedTool, signedToolCallMiddleware, verifyToolMessage } from 'trusthandoff/langchain';

export async function langgraphHandoffExample(): Promise<Record<string, ToolCallVerdict | string>> {
  const planner = AgentIdentity.generate(); // the delegating agent
  const worker = AgentIdentity.generate(); // the agent that receives the task

  // The worker's gate knows the planner's key.
  const registry = new MemoryAgentRegistry();
  await registry.register(planner.agentId, planner.publicKeyPem);
  const gate = new HandoffGate({ agentId: worker.agentId, registry, replayStore: new MemoryReplayStore() });
  const verify = {
    attestationKey: worker.publicKeyPem, // from the planner's registry, never from the result
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
  };

  // Sending side: one tool. The model calls it; it returns Command({ goto: 'worker', graph:
  // Command.PARENT, update }) with the envelope, bound to 'worker' and these arguments, in the state.
  const handoff = createHandoffTool({
    identity: planner,
    audience: worker.agentId,
    goto: 'worker',
    description: 'Hand a file to the worker to summarise',
    schema: z.object({ path: z.string() }),
  });
  const plannerModel = fakeModel().respondWithTools([
    { name: 'transfer_to_worker', args: { path: '/srv/report.txt' }, id: 'handoff-1' },
  ]);
  const plannerAgent = createAgent({ model: plannerModel, tools: [handoff] });

  // Receiving side: one wrapper. The body runs only after the gate accepted the envelope for this
  // node and these arguments; its result is attested into the state.
  const workerNode = verifiedNode(
    gate,
    'worker',
    (args: { path: string }, call) => ({
      path: args.path,
      summary: 'quarterly numbers',
      by: call.packet.to_agent,
    }),
    {
      identity: worker,
      update: (result: { summary: string }) => ({ messages: [new AIMessage(result.summary)] }),
    },
  );

  const State = Annotation.Root({ ...MessagesAnnotation.spec, trusthandoff: handoffChannel() });
  const graph = new StateGraph(State)
    .addNode('planner', plannerAgent.graph as never, { ends: ['worker'] })
    .addNode('worker', workerNode)
    .addEdge(START, 'planner')
    .addEdge('worker', END)
    .compile({ checkpointer: new MemorySaver() });

  const done = await graph.invoke(
    { messages: [new HumanMessage('Summarise the report')] },
    { configurable: { thread_id: 'report' } },
  );
  const slot = done.trusthandoff;
  const handoffVerdict = await verifyHandoffResult(slot, { ...verify, packetId: slot?.packetId ?? '' });

  // Someone copies the slot into another thread, straight to the worker: refused before it runs.
  const replay = await graph.invoke(new Command({ goto: 'worker', update: { trusthandoff: slot } }), {
    configurable: { thread_id: 'replay' },
  });
  const replayed = await verifyHandoffResult(replay.trusthandoff, {
    ...verify,
    packetId: slot?.packetId ?? '',
  });

  // A LangChain agent calling a verified tool: one middleware on the caller, one wrapper on the tool.
  const readFile = createVerifiedTool(
    gate,
    'read_file',
    (args: { path: string }) => ({ path: args.path, bytes: 42 }),
    { identity: worker, description: 'Read a file', schema: z.object({ path: z.string() }) },
  );
  const agent = createAgent({
    model: fakeModel()
      .respondWithTools([{ name: 'read_file', args: { path: '/srv/report.txt' }, id: 'call-1' }])
      .respond(new AIMessage('The report has 42 bytes.')),
    tools: [readFile],
    middleware: [
      signedToolCallMiddleware({
        identity: planner,
        tools: { read_file: { audience: worker.agentId, attestationKey: worker.publicKeyPem } },
        replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
      }),
    ],
  });
  const state = await agent.invoke({ messages: [new HumanMessage('How big is the report?')] });
  const toolMessage = state.messages.find((m) => ToolMessage.isInstance(m)) as ToolMessage;
  // What the model read; the attestation and the middleware's verdict are in toolMessage.artifact.
  const modelSaw = toolMessage.content as string;
  const toolVerdict = (toolMessage.artifact as { trusthandoff: { verdict: ToolCallVerdict } }).trusthandoff
    .verdict;
  // The same message checked again by someone else, e.g. an auditor reading the checkpoint.
  const audited = await verifyToolMessage(toolMessage, {
    attestationKey: worker.publicKeyPem,
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
    packetId: toolVerdict.ok ? toolVerdict.packetId : '',
  });

  return { handoff: handoffVerdict, replayed, tool: toolVerdict, modelSaw, audited };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [what, verdict] of Object.entries(await langgraphHandoffExample())) {
    const shown =
      typeof verdict === 'string'
        ? verdict
        : verdict.ok
          ? `accepted ${JSON.stringify(verdict.result)}`
          : `refused ${verdict.reason} ${JSON.stringify(verdict.details ?? {})}`;
    console.log(`${what.padEnd(9)} ${shown}`);
  }
}
