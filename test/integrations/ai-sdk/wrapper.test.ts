/**
 * trusthandoff/ai-sdk beyond the matrix: streaming, `execute` deciding alone (no approval step), what
 * the model sees, the tool's own context and approval policy, the trace context beside the envelope,
 * and the gate's GenAI spans.
 */
import {
  InMemorySpanExporter,
  BasicTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { generateText, stepCountIs, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AttestationReplayTracker,
  ConfigurationError,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
} from '../../support/api.js';
import {
  ENVELOPE_CONTEXT_KEY,
  REJECTION_KEY,
  issueToolContext,
  verifiedTool,
  verifiedToolApproval,
  verifyToolCall,
  verifyToolResult,
} from '../../../src/integrations/ai-sdk/index.js';
import { gateTracing } from '../../../src/otel/index.js';
import { aiSdkHarness, scriptedModel } from './harness.js';

const read = { name: 'read_file', arguments: { path: '/srv/a.txt' } };
const tracker = () => new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });

describe('trusthandoff/ai-sdk', () => {
  it('streamText: the legit call verifies, a replay is denied by the approval step with the reason', async () => {
    const h = await aiSdkHarness();
    const minted = issueToolContext(h.caller, read, { audience: h.receiver.agentId });
    const options = {
      attestationKey: h.receiver.publicKeyPem,
      replayTracker: tracker(),
      packetId: minted.packetId,
    };
    const first = h.stream(read, minted.envelope);
    expect(await first.text).toBe('done');
    expect(await verifyToolCall({ steps: await first.steps }, 'call-1', options)).toMatchObject({
      ok: true,
      result: { path: '/srv/a.txt', content: 'contents of /srv/a.txt' },
    });
    const again = h.stream(read, minted.envelope);
    await again.text;
    expect(await verifyToolCall({ steps: await again.steps }, 'call-1', options)).toEqual({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'Replay detected' },
    });
    expect(h.runs).toEqual({ read_file: 1 });
  });

  it('the model sees the result without the attestation, and the denial reason', async () => {
    const h = await aiSdkHarness();
    const minted = issueToolContext(h.caller, read, { audience: h.receiver.agentId });
    const model = scriptedModel([{ ...read, id: 'c1' }]);
    await generateText({
      model,
      prompt: 'go',
      tools: h.tools,
      toolsContext: { read_file: minted.context } as never,
      toolApproval: verifiedToolApproval(),
      stopWhen: stepCountIs(3),
    });
    const seen = JSON.stringify(model.doGenerateCalls[1]?.prompt);
    expect(seen).toContain('contents of /srv/a.txt');
    expect(seen).not.toContain('attestation');
    expect(seen).not.toContain('dev.trusthandoff');

    const denied = scriptedModel([{ ...read, id: 'c2' }]);
    await generateText({
      model: denied,
      prompt: 'go',
      tools: h.tools,
      toolsContext: { read_file: minted.context } as never, // spent above
      toolApproval: verifiedToolApproval(),
      stopWhen: stepCountIs(3),
    });
    expect(JSON.stringify(denied.doGenerateCalls[1]?.prompt)).toContain(
      '"output":{"type":"execution-denied","reason":"Replay detected"}',
    );
  });

  it('without the approval step, execute decides: a refusal is the tool result, the body never runs', async () => {
    const h = await aiSdkHarness();
    const minted = issueToolContext(h.caller, read, { audience: h.receiver.agentId });
    const options = {
      attestationKey: h.receiver.publicKeyPem,
      replayTracker: tracker(),
      packetId: minted.packetId,
    };
    const wrong = await h.generate({ ...read, name: 'delete_file' }, minted.envelope, { approval: false });
    const part = wrong.steps[0]?.content.find((p) => p.type === 'tool-result');
    expect(part).toMatchObject({
      output: { [REJECTION_KEY]: { decision: 'REJECT', reason: 'tool_name_mismatch' } },
    });
    expect(await verifyToolResult(part, options)).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'tool_name_mismatch' },
    });
    const legit = await h.generate(read, minted.envelope, { approval: false });
    expect(await verifyToolCall(legit, 'call-1', options)).toMatchObject({ ok: true });
    const replayed = await h.generate(read, minted.envelope, { approval: false });
    expect(await verifyToolCall(replayed, 'call-1', options)).toMatchObject({
      details: { reason: 'Replay detected' },
    });
    expect(h.runs).toEqual({ read_file: 1 });
  });

  it('your approval policy runs first: a call it denies does not spend the envelope', async () => {
    let asked = 0;
    const h = await aiSdkHarness({
      policy: () => (++asked === 1 ? { type: 'denied', reason: 'not now' } : undefined),
    });
    const minted = issueToolContext(h.caller, read, { audience: h.receiver.agentId });
    const options = {
      attestationKey: h.receiver.publicKeyPem,
      replayTracker: tracker(),
      packetId: minted.packetId,
    };
    expect(await verifyToolCall(await h.generate(read, minted.envelope), 'call-1', options)).toMatchObject({
      details: { reason: 'not now' },
    });
    expect(await verifyToolCall(await h.generate(read, minted.envelope), 'call-1', options)).toMatchObject({
      ok: true,
    });
  });

  it('the traceparent rides beside the envelope and reaches the body; the tool keeps its own context', async () => {
    const h = await aiSdkHarness();
    const registry = new MemoryAgentRegistry();
    await registry.register(h.caller.agentId, h.caller.publicKeyPem);
    const gate = new HandoffGate({
      agentId: h.receiver.agentId,
      registry,
      replayStore: new MemoryReplayStore(),
    });
    const seen: unknown[] = [];
    const whoami = verifiedTool(
      gate,
      'whoami',
      tool({
        inputSchema: z.object({}),
        contextSchema: z.object({ tenant: z.string() }),
        execute: (_input, { context }) => {
          seen.push(context);
          return { ok: 1 };
        },
      }),
      { identity: h.receiver },
    );
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const minted = issueToolContext(
      h.caller,
      { name: 'whoami' },
      { audience: h.receiver.agentId, traceparent },
    );
    const result = await generateText({
      model: scriptedModel([{ name: 'whoami', arguments: {}, id: 'w1' }]),
      prompt: 'go',
      tools: { whoami },
      toolsContext: { whoami: { ...minted.context, tenant: 'acme' } },
      toolApproval: verifiedToolApproval(),
      stopWhen: stepCountIs(3),
    });
    expect(seen).toEqual([{ tenant: 'acme', traceparent }]);
    expect(
      await verifyToolCall(result, 'w1', {
        attestationKey: h.receiver.publicKeyPem,
        replayTracker: tracker(),
        packetId: minted.packetId,
      }),
    ).toMatchObject({ ok: true, result: { ok: 1 } });
  });

  it('the gate traces the call as execute_tool with the tool name (trusthandoff/otel)', async () => {
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const h = await aiSdkHarness({
      hooks: gateTracing({ tracer: provider.getTracer('t'), stepSpans: false }),
    });
    const minted = issueToolContext(h.caller, read, { audience: h.receiver.agentId });
    await h.generate(read, minted.envelope);
    const span = spans.getFinishedSpans().find((s) => s.name === 'trusthandoff.gate.handle');
    expect(span?.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'read_file',
      'trusthandoff.decision': 'ACCEPT',
    });
  });

  it('bad wiring is a ConfigurationError; odd parts are verdicts, never throws', async () => {
    const h = await aiSdkHarness();
    const gate = { handle: () => Promise.reject(new Error('unused')) };
    expect(() => verifiedTool(gate, 'x', {} as never, { identity: h.receiver })).toThrow(ConfigurationError);
    expect(() =>
      verifiedTool(
        gate,
        'x',
        tool({ inputSchema: z.object({}), contextSchema: { jsonSchema: {} } as never, execute: () => ({}) }),
        { identity: h.receiver },
      ),
    ).toThrow(ConfigurationError);
    expect(() => verifiedToolApproval('yes' as never)).toThrow(ConfigurationError);
    const options = { attestationKey: h.receiver.publicKeyPem, replayTracker: tracker(), packetId: 'p' };
    for (const part of [null, 'x', { type: 'text' }, { type: 'tool-approval-response', approved: true }])
      expect((await verifyToolResult(part, options)).ok).toBe(false);
    expect(await verifyToolResult({ type: 'tool-error', error: 'boom' }, options)).toMatchObject({
      reason: 'attestation_missing',
    });
    expect(await verifyToolResult({ type: 'tool-result', output: 'plain' }, options)).toMatchObject({
      reason: 'attestation_missing',
    });
    expect(await verifyToolCall([], 'nope', options)).toMatchObject({ reason: 'attestation_missing' });
    expect(ENVELOPE_CONTEXT_KEY).toBe('dev.trusthandoff/envelope');
  });
});
