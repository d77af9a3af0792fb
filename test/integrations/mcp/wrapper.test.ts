/**
 * The wrapper and the client helpers on their own edges: configuration errors, inputs an SDK would
 * not normally deliver, results that cannot be attested, and results that are not results.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  TOOL_CALL_CONTEXT_KEY,
  bindToolCall,
  parseDelegationEnvelope,
} from '../../support/api.js';
import {
  ENVELOPE_META_KEY,
  OUTPUT_META_KEY,
  REJECTION_META_KEY,
  issueToolCallEnvelope,
  registerVerifiedTool,
  verifiedTool,
  verifiedToolV2,
  verifyToolCallResult,
} from '../../../src/integrations/mcp/index.js';

async function setup() {
  const caller = AgentIdentity.generate();
  const server = AgentIdentity.generate();
  const registry = new MemoryAgentRegistry();
  await registry.register(caller.agentId, caller.publicKeyPem);
  const gate = new HandoffGate({ agentId: server.agentId, registry, replayStore: new MemoryReplayStore() });
  return { caller, server, gate };
}

describe('_meta keys', () => {
  it('are reverse-DNS prefixed and avoid the reserved second labels', () => {
    for (const key of [ENVELOPE_META_KEY, OUTPUT_META_KEY, REJECTION_META_KEY]) {
      const prefix = key.split('/')[0]!;
      const labels = prefix.split('.');
      expect(labels.length).toBeGreaterThanOrEqual(2);
      expect(['mcp', 'modelcontextprotocol']).not.toContain(labels[1]);
    }
  });
});

describe('issueToolCallEnvelope', () => {
  it('binds the tool call with the shared convention, intent = tool name, a short TTL', async () => {
    const { caller, server } = await setup();
    const args = { path: '/a', n: 3 };
    const minted = issueToolCallEnvelope(
      caller,
      { name: 'read_file', arguments: args },
      { audience: server.agentId },
    );
    const { packet } = parseDelegationEnvelope(minted.envelope);
    expect(packet.packet_id).toBe(minted.packetId);
    expect(packet.intent).toBe('read_file');
    expect(packet.to_agent).toBe(server.agentId);
    expect(packet.context[TOOL_CALL_CONTEXT_KEY]).toEqual(
      bindToolCall('read_file', args)[TOOL_CALL_CONTEXT_KEY],
    );
    expect(packet.ttl_seconds).toBe(60);
  });

  it('keeps the binding when the caller passes a context entry with the same key', async () => {
    const { caller, server } = await setup();
    const minted = issueToolCallEnvelope(
      caller,
      { name: 'read_file', arguments: { path: '/a' } },
      { audience: server.agentId, context: { [TOOL_CALL_CONTEXT_KEY]: { name: 'delete_file' }, note: 'x' } },
    );
    const { packet } = parseDelegationEnvelope(minted.envelope);
    expect(packet.context[TOOL_CALL_CONTEXT_KEY]).toMatchObject({ name: 'read_file' });
    expect(packet.context['note']).toBe('x');
  });

  it.each([
    ['no name', { name: '' }, {}],
    ['no audience', { name: 't' }, { audience: '' }],
    ['zero ttl', { name: 't' }, { ttlSeconds: 0 }],
    ['fractional ttl', { name: 't' }, { ttlSeconds: 1.5 }],
  ])('refuses %s with ERR_CONFIGURATION', async (_label, call, over) => {
    const { caller, server } = await setup();
    expect(() => issueToolCallEnvelope(caller, call, { audience: server.agentId, ...over })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('verifiedTool', () => {
  it('checks its configuration once, with ERR_CONFIGURATION', async () => {
    const { server, gate } = await setup();
    const handler = () => ({});
    const options = { identity: server };
    const bad: (() => unknown)[] = [
      () => verifiedTool({} as never, 't', handler, options),
      () => verifiedTool(gate, '', handler, options),
      () => verifiedTool(gate, 't', 'nope' as never, options),
      () => verifiedTool(gate, 't', handler, { identity: {} as never }),
      () => registerVerifiedTool({} as never, gate, 't', {}, handler, options),
    ];
    for (const make of bad) expect(make).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });

  it('refuses an envelope that is not a string without running the handler', async () => {
    const { caller, server, gate } = await setup();
    let ran = 0;
    const tool = verifiedTool(gate, 'read_file', () => ({ n: ++ran }), { identity: server });
    const minted = issueToolCallEnvelope(
      caller,
      { name: 'read_file', arguments: {} },
      { audience: server.agentId },
    );
    const result = await tool({}, { _meta: { [ENVELOPE_META_KEY]: JSON.parse(minted.envelope) as unknown } });
    expect(result).toMatchObject({
      isError: true,
      _meta: { [REJECTION_META_KEY]: { reason: 'malformed_envelope' } },
    });
    expect(ran).toBe(0);
  });

  it('reads v2 request metadata from ctx.mcpReq._meta', async () => {
    const { caller, server, gate } = await setup();
    const tool = verifiedToolV2(gate, 'read_file', (args: { path: string }) => ({ path: args.path }), {
      identity: server,
    });
    const args = { path: '/a' };
    const minted = issueToolCallEnvelope(
      caller,
      { name: 'read_file', arguments: args },
      { audience: server.agentId },
    );
    const result = await tool(args, { mcpReq: { _meta: { [ENVELOPE_META_KEY]: minted.envelope } } });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toEqual(args);
    expect(typeof result._meta[OUTPUT_META_KEY]).toBe('string');
  });

  it('never returns an unattested result: a float result is attestation_failed (ERR_CANONICALIZATION)', async () => {
    const { caller, server, gate } = await setup();
    const tool = verifiedTool(gate, 'ratio', () => ({ ratio: 0.5 }), { identity: server });
    const minted = issueToolCallEnvelope(
      caller,
      { name: 'ratio', arguments: {} },
      { audience: server.agentId },
    );
    const result = await tool({}, { _meta: { [ENVELOPE_META_KEY]: minted.envelope } });
    expect(result).toMatchObject({
      isError: true,
      _meta: {
        [REJECTION_META_KEY]: {
          reason: 'attestation_failed',
          packet_id: minted.packetId,
          details: { code: 'ERR_CANONICALIZATION' },
        },
      },
    });
    expect(result._meta[OUTPUT_META_KEY]).toBeUndefined();
  });
});

describe('verifyToolCallResult', () => {
  it.each([
    ['null', null, 'malformed_result', undefined],
    ['a string', 'ok', 'malformed_result', undefined],
    ['a result without _meta', { content: [] }, 'attestation_missing', undefined],
    [
      'an output that is not JSON',
      { _meta: { [OUTPUT_META_KEY]: '{' } },
      'attestation_rejected',
      'malformed_output',
    ],
    [
      'an output that is a number',
      { _meta: { [OUTPUT_META_KEY]: 7 } },
      'attestation_rejected',
      'malformed_output',
    ],
    [
      'a rejection without a reason',
      { _meta: { [REJECTION_META_KEY]: {} } },
      'attestation_missing',
      undefined,
    ],
  ])('refuses %s without throwing', async (_label, result, reason, inner) => {
    const { server } = await setup();
    const verdict = await verifyToolCallResult(result, {
      attestationKey: server.publicKeyPem,
      replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
      packetId: 'p',
    });
    expect(verdict).toMatchObject({ ok: false, reason });
    if (inner !== undefined) expect(verdict).toMatchObject({ details: { reason: inner } });
  });
});
