/**
 * `createAgent` with the `signedToolCallMiddleware` on the calling side and `createVerifiedTool`s on
 * the receiving side, driven by @langchain/core's fake tool-calling model: the attestation lands in
 * `ToolMessage.artifact`, the model reads only the verified result, and a refused call reaches the
 * model as a refusal without the tool running.
 */
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { fakeModel } from '@langchain/core/testing';
import { createAgent } from 'langchain';
import { describe, expect, it } from 'vitest';
import {
  ARTIFACT_KEY,
  ENVELOPE_TOOL_CALL_KEY,
  createVerifiedTool,
  signedToolCallMiddleware,
  verifyToolMessage,
} from '../../../src/integrations/langchain/index.js';
import { AgentIdentity, ConfigurationError } from '../../support/api.js';
import { fileSchema, parties, type Parties } from './fixtures.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function setup(p: Parties, audience = p.receiver.agentId) {
  const seen: { path: string; traceparent: string | undefined }[] = [];
  const readFile = createVerifiedTool(
    p.gate,
    'read_file',
    (args: { path: string }, call) => {
      seen.push({ path: args.path, traceparent: call.extra.traceparent });
      return { path: args.path, content: `contents of ${args.path}` };
    },
    { identity: p.receiver, description: 'Read a file', schema: fileSchema },
  );
  const clock = tool(() => '12:00', { name: 'clock', description: 'The time' });
  const model = fakeModel()
    .respondWithTools([
      { name: 'read_file', args: { path: '/srv/report.txt' }, id: 'call-1' },
      { name: 'clock', args: {}, id: 'call-2' },
    ])
    .respond(new AIMessage('done'));
  const tracker = p.tracker();
  const agent = createAgent({
    model,
    tools: [readFile, clock],
    middleware: [
      signedToolCallMiddleware({
        identity: p.caller,
        tools: { read_file: { audience, attestationKey: p.receiver.publicKeyPem } },
        replayTracker: tracker,
        traceparent: TRACEPARENT,
      }),
    ],
  });
  return { agent, model, seen };
}

const toolMessage = (messages: BaseMessage[], id: string): ToolMessage =>
  messages.find((m): m is ToolMessage => ToolMessage.isInstance(m) && m.tool_call_id === id)!;

describe('createAgent + signedToolCallMiddleware + createVerifiedTool', () => {
  it('the attestation lands in ToolMessage.artifact; the model reads only the verified result', async () => {
    const p = await parties();
    const { agent, model, seen } = setup(p);
    const state = await agent.invoke({ messages: [new HumanMessage('read the report')] });

    expect(seen).toEqual([{ path: '/srv/report.txt', traceparent: TRACEPARENT }]);
    const message = toolMessage(state.messages, 'call-1');
    expect(message.status).toBe('success');
    expect(JSON.parse(message.content as string)).toEqual({
      path: '/srv/report.txt',
      content: 'contents of /srv/report.txt',
    });
    const ours = (message.artifact as Record<string, Record<string, unknown>>)[ARTIFACT_KEY]!;
    expect(ours['output']).toBeTypeOf('string');
    expect(ours['verdict']).toMatchObject({ ok: true, attestation: { status: 'OK' } });
    // The unsigned tool passed through untouched.
    expect(toolMessage(state.messages, 'call-2').content).toBe('12:00');

    // What the model was sent on its second turn: no attestation, no signature, no envelope.
    expect(model.callCount).toBe(2);
    const sent = model.calls[1]!.messages;
    const visible = JSON.stringify(
      sent.map((m) => [m.content, AIMessage.isInstance(m) ? m.tool_calls : null]),
    );
    expect(visible).toContain('contents of /srv/report.txt');
    for (const secret of ['attestation', 'signature', ENVELOPE_TOOL_CALL_KEY, 'packet_id', 'nonce'])
      expect(visible).not.toContain(secret);
    // The history never holds the envelope either: the middleware hands the tool a copy of the call.
    expect(
      JSON.stringify(state.messages.map((m) => (AIMessage.isInstance(m) ? m.tool_calls : []))),
    ).not.toContain(ENVELOPE_TOOL_CALL_KEY);
  });

  it('the artifact verifies on its own (a later auditor with its own replay tracker)', async () => {
    const p = await parties();
    const { agent } = setup(p);
    const state = await agent.invoke({ messages: [new HumanMessage('go')] });
    const message = toolMessage(state.messages, 'call-1');
    const ours = (message.artifact as Record<string, { verdict: { packetId: string } }>)[ARTIFACT_KEY]!;
    const packetId = ours.verdict.packetId;
    const verdict = await verifyToolMessage(message, {
      attestationKey: p.receiver.publicKeyPem,
      replayTracker: p.tracker(),
      packetId,
    });
    expect(verdict).toMatchObject({ ok: true, packetId });
    const options = { attestationKey: p.receiver.publicKeyPem, replayTracker: p.tracker(), packetId };
    expect(await verifyToolMessage({ content: 'x' }, options)).toMatchObject({
      ok: false,
      reason: 'malformed_result',
    });
  });

  it('a refused call reaches the model as a refusal; the tool does not run', async () => {
    const p = await parties();
    const { agent, model, seen } = setup(p, 'agent:someone-else');
    const state = await agent.invoke({ messages: [new HumanMessage('go')] });
    expect(seen).toEqual([]);
    const message = toolMessage(state.messages, 'call-1');
    expect(message.status).toBe('error');
    expect(message.content).toBe('trusthandoff refused the tool call: call_rejected (wrong_audience)');
    expect((message.artifact as Record<string, Record<string, unknown>>)[ARTIFACT_KEY]).toMatchObject({
      rejection: { decision: 'REJECT', reason: 'wrong_audience' },
      verdict: { ok: false, reason: 'call_rejected', details: { reason: 'wrong_audience' } },
    });
    expect(JSON.stringify(model.calls[1]!.messages.map((m) => m.content))).toContain('wrong_audience');
  });

  it('a verified tool called without the middleware refuses: envelope_missing', async () => {
    const p = await parties();
    let ran = 0;
    const readFile = createVerifiedTool(
      p.gate,
      'read_file',
      () => {
        ran++;
        return {};
      },
      { identity: p.receiver, description: 'Read a file', schema: fileSchema },
    );
    const model = fakeModel()
      .respondWithTools([{ name: 'read_file', args: { path: '/a' }, id: 'c' }])
      .respond(new AIMessage('done'));
    const state = await createAgent({ model, tools: [readFile] }).invoke({
      messages: [new HumanMessage('go')],
    });
    expect(toolMessage(state.messages, 'c').content).toBe(
      'trusthandoff refused the tool call: envelope_missing',
    );
    expect(ran).toBe(0);
  });

  it('options are checked when the middleware is built', async () => {
    const p = await parties();
    const tracker = p.tracker();
    const key = p.receiver.publicKeyPem;
    expect(() => signedToolCallMiddleware({ identity: p.caller, tools: {}, replayTracker: tracker })).toThrow(
      ConfigurationError,
    );
    expect(() =>
      signedToolCallMiddleware({
        identity: p.caller,
        tools: { t: { audience: '', attestationKey: key } },
        replayTracker: tracker,
      }),
    ).toThrow(ConfigurationError);
    expect(() =>
      signedToolCallMiddleware({
        identity: AgentIdentity.generate(),
        tools: { t: { audience: 'a', attestationKey: key } },
        replayTracker: undefined as never,
      }),
    ).toThrow(ConfigurationError);
  });
});
