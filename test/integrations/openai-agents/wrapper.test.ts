/**
 * trusthandoff/openai-agents beyond the matrix: what the model sees, the guardrail's record, the MCP
 * hooks (`toolMetaResolver`, `customDataExtractor`) and the envelope record in the run context.
 */
import { Runner } from '@openai/agents-core';
import { describe, expect, it } from 'vitest';
import { AttestationReplayTracker, ConfigurationError, MemoryReplayStore } from '../../support/api.js';
import {
  OUTPUT_KEY,
  REJECTION_KEY,
  RUN_CONTEXT_KEY,
  attachToolEnvelope,
  mcpCustomDataExtractor,
  mcpToolMetaResolver,
  packetIdFor,
  verifiedTool,
  verifyToolOutput,
} from '../../../src/integrations/openai-agents/index.js';
import { agentsHarness, ScriptedModel, scriptedProvider } from './harness.js';

const read = { name: 'read_file', arguments: { path: '/srv/a.txt' } };

describe('trusthandoff/openai-agents', () => {
  it('the model sees the result without the attestation, and a refusal with its reason', async () => {
    const h = await agentsHarness();
    const context = {};
    const minted = attachToolEnvelope(context, h.caller, read, {
      audience: h.receiver.agentId,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(packetIdFor({ context }, 'read_file')).toBe(minted.packetId);
    const model = new ScriptedModel([[{ ...read, id: 'a' }], [{ ...read, id: 'b' }], 'done']);
    const runner = new Runner({ modelProvider: scriptedProvider(model), tracingDisabled: true });
    const result = await runner.run(h.worker, 'go', { context });
    const seenAfterFirst = JSON.stringify(model.requests[1]?.input);
    expect(seenAfterFirst).toContain('contents of /srv/a.txt');
    expect(seenAfterFirst).not.toContain('attestation');
    expect(JSON.stringify(model.requests[2]?.input)).toContain(
      'trusthandoff refused the tool call: Replay detected',
    );
    expect(result.toolInputGuardrailResults.at(-1)?.output).toMatchObject({
      behavior: { type: 'rejectContent' },
      outputInfo: { decision: 'REJECT', reason: 'Replay detected' },
    });
    const items = result.newItems.filter((i) => i.type === 'tool_call_output_item');
    const options = {
      attestationKey: h.receiver.publicKeyPem,
      replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
      packetId: minted.packetId,
    };
    expect(await verifyToolOutput(items[0], options)).toMatchObject({ ok: true });
    expect(await verifyToolOutput(items[1], options)).toMatchObject({
      details: { reason: 'Replay detected' },
    });
    expect(h.runs).toEqual({ read_file: 1 });
  });

  it('MCP: the meta resolver attaches the envelope and traceparent; the extractor moves the result _meta', async () => {
    const h = await agentsHarness();
    const context = {};
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const minted = attachToolEnvelope(context, h.caller, read, { audience: h.receiver.agentId, traceparent });
    const resolve = mcpToolMetaResolver();
    const base = { serverName: 's', arguments: read.arguments, runContext: { context } as never };
    expect(await resolve({ ...base, toolName: 'read_file' })).toEqual({
      'dev.trusthandoff/envelope': minted.envelope,
      traceparent,
    });
    expect(await resolve({ ...base, toolName: 'other' })).toBeUndefined();
    const extract = mcpCustomDataExtractor();
    const ctx = { ...base, toolName: 'read_file', toolDisplayName: 'read_file' } as never;
    expect(
      await extract({ ...(ctx as object), resultMeta: { 'dev.trusthandoff/output': 'W' } } as never),
    ).toEqual({ [OUTPUT_KEY]: 'W' });
    expect(
      await extract({
        ...(ctx as object),
        resultMeta: { 'dev.trusthandoff/rejection': { reason: 'x' } },
      } as never),
    ).toEqual({ [REJECTION_KEY]: { reason: 'x' } });
    expect(await extract({ ...(ctx as object), resultMeta: {} } as never)).toBeUndefined();
    expect(Object.keys(context)).toEqual([RUN_CONTEXT_KEY]);
  });

  it('bad wiring is a ConfigurationError; odd items are verdicts, never throws', async () => {
    const h = await agentsHarness();
    expect(() => verifiedTool(h.gate, {} as never, { identity: h.receiver })).toThrow(ConfigurationError);
    expect(() =>
      verifiedTool(
        h.gate,
        { name: '', description: 'x', parameters: undefined, execute: () => 'x' },
        {
          identity: h.receiver,
        },
      ),
    ).toThrow(ConfigurationError);
    expect(() => attachToolEnvelope(null as never, h.caller, read, { audience: 'a' })).toThrow(
      ConfigurationError,
    );
    const options = {
      attestationKey: h.receiver.publicKeyPem,
      replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
      packetId: 'p',
    };
    for (const item of [null, 'x', { type: 'message_output_item' }])
      expect(await verifyToolOutput(item, options)).toMatchObject({ ok: false, reason: 'malformed_result' });
    expect(await verifyToolOutput({ type: 'tool_call_output_item' }, options)).toMatchObject({
      reason: 'attestation_missing',
    });
  });
});
