/**
 * Trace context beside the envelope: the caller's active span travels as `traceparent` on the tool
 * call to the verified tool's body, and the receiving gate's decision span (gateTracing from
 * trusthandoff/otel) is a GenAI `execute_tool` span naming the bound tool.
 */
import { context, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import { activeTraceparent, gateTracing } from '../../../src/otel/index.js';
import { createVerifiedTool, signedToolCallMiddleware } from '../../../src/integrations/langchain/index.js';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from '../../support/api.js';
import { fileSchema } from './fixtures.js';

describe('LangChain agent: trace context beside the envelope', () => {
  it('the body sees the caller span; the gate decision is an execute_tool span for the tool', async () => {
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const tracer = provider.getTracer('test');
    const caller = AgentIdentity.generate();
    const receiver = AgentIdentity.generate();
    const registry = new MemoryAgentRegistry();
    await registry.register(caller.agentId, caller.publicKeyPem);
    const gate = new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore: new MemoryReplayStore(),
      hooks: gateTracing({ tracer }),
    });
    const seen: (string | undefined)[] = [];
    const readFile = createVerifiedTool(
      gate,
      'read_file',
      (args: { path: string }, call) => {
        seen.push(call.extra.traceparent);
        return { path: args.path };
      },
      { identity: receiver, description: 'Read a file', schema: fileSchema },
    );
    const callerSpan = tracer.startSpan('invoke_agent planner');
    const traceparent = activeTraceparent(trace.setSpan(context.active(), callerSpan));
    const agent = createAgent({
      model: fakeModel()
        .respondWithTools([{ name: 'read_file', args: { path: '/a' }, id: 'c1' }])
        .respond(new AIMessage('done')),
      tools: [readFile],
      middleware: [
        signedToolCallMiddleware({
          identity: caller,
          tools: { read_file: { audience: receiver.agentId, attestationKey: receiver.publicKeyPem } },
          replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
          traceparent: () => traceparent,
        }),
      ],
    });
    await agent.invoke({ messages: [new HumanMessage('go')] });
    callerSpan.end();

    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(seen).toEqual([traceparent]);
    const decision = spans.getFinishedSpans().find((s) => s.name === 'trusthandoff.gate.handle');
    expect(decision?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'read_file',
      'trusthandoff.decision': 'ACCEPT',
    });
  });
});
