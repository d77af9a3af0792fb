/**
 * The issue-11 attack matrix (test/integrations/matrix/cases.ts) for LangChain / LangGraph with the
 * real packages, in two wirings:
 *  - `LangGraph`: a `createAgent` agent whose fake chat model calls the tool; the envelope rides on
 *    the tool call (put there by a middleware in the place `signedToolCallMiddleware` puts it), the
 *    tool is a `createVerifiedTool`, and the caller verifies the `ToolMessage` it gets back.
 *  - `LangGraph node`: a `StateGraph` whose nodes are `verifiedNode`s; the envelope rides in the
 *    handoff slot of the state, and the caller verifies the slot the node completed.
 */
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { Annotation, START, StateGraph } from '@langchain/langgraph';
import { createAgent, createMiddleware } from 'langchain';
import {
  createVerifiedTool,
  verifyToolMessage,
  withEnvelope,
} from '../../../src/integrations/langchain/index.js';
import {
  handoffChannel,
  verifiedNode,
  verifyHandoffResult,
  type HandoffSlot,
} from '../../../src/integrations/langgraph/index.js';
import { describeAttackMatrix, matrixBodies, type MatrixTarget, type Runs } from '../matrix/cases.js';
import { fileSchema, noArgs, parties } from './fixtures.js';

async function agentTarget(): Promise<MatrixTarget> {
  const p = await parties();
  const runs: Runs = {};
  const body = matrixBodies(runs);
  const options = { identity: p.receiver };
  const tools = [
    createVerifiedTool(p.gate, 'read_file', body.read_file, {
      ...options,
      description: 'Read a file',
      schema: fileSchema,
    }),
    createVerifiedTool(p.gate, 'delete_file', body.delete_file, {
      ...options,
      description: 'Delete a file',
      schema: fileSchema,
    }),
    createVerifiedTool(p.gate, 'explode', body.explode, { ...options, description: 'Fail', schema: noArgs }),
  ];
  return {
    caller: p.caller,
    receiverAgentId: p.receiver.agentId,
    receiverPublicKeyPem: p.receiver.publicKeyPem,
    send: async (call, envelope) => {
      const model = fakeModel()
        .respondWithTools([{ name: call.name, args: call.arguments ?? {}, id: 'call-1' }])
        .respond(new AIMessage('done'));
      const carrier = createMiddleware({
        name: 'carrier',
        wrapToolCall: (request, handler) =>
          handler(
            envelope === undefined
              ? request
              : { ...request, toolCall: withEnvelope(request.toolCall, envelope) },
          ),
      });
      const agent = createAgent({ model, tools, middleware: [carrier] });
      const state = await agent.invoke({ messages: [new HumanMessage('go')] });
      return state.messages.find((m) => ToolMessage.isInstance(m));
    },
    verify: verifyToolMessage,
    rewriteOutput: (raw, mutate) => {
      const message = raw as ToolMessage;
      const artifact = message.artifact as { trusthandoff: { output: string } };
      return new ToolMessage({
        content: message.content,
        tool_call_id: message.tool_call_id,
        artifact: { trusthandoff: { output: mutate(artifact.trusthandoff.output) } },
      });
    },
    runs: () => Promise.resolve({ ...runs }),
    close: () => Promise.resolve(),
  };
}

async function nodeTarget(): Promise<MatrixTarget> {
  const p = await parties();
  const runs: Runs = {};
  const body = matrixBodies(runs);
  const options = { identity: p.receiver };
  const State = Annotation.Root({ trusthandoff: handoffChannel() });
  const graph = new StateGraph(State)
    .addNode('read_file', verifiedNode(p.gate, 'read_file', body.read_file, options))
    .addNode('delete_file', verifiedNode(p.gate, 'delete_file', body.delete_file, options))
    .addNode('explode', verifiedNode(p.gate, 'explode', body.explode, options))
    .addConditionalEdges(START, (state) => state.trusthandoff?.call.name ?? 'read_file', [
      'read_file',
      'delete_file',
      'explode',
    ])
    .compile();
  return {
    caller: p.caller,
    receiverAgentId: p.receiver.agentId,
    receiverPublicKeyPem: p.receiver.publicKeyPem,
    send: async (call, envelope) => {
      const slot = { call: { name: call.name, arguments: call.arguments ?? {} }, packetId: '', envelope };
      const state = await graph.invoke({ trusthandoff: slot as HandoffSlot });
      return state.trusthandoff;
    },
    verify: verifyHandoffResult,
    rewriteOutput: (raw, mutate) => {
      const slot = raw as HandoffSlot;
      return { ...slot, output: mutate(slot.output ?? '') };
    },
    runs: () => Promise.resolve({ ...runs }),
    close: () => Promise.resolve(),
  };
}

describeAttackMatrix('LangGraph', agentTarget);
describeAttackMatrix('LangGraph node', nodeTarget);
