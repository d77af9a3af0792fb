/**
 * The issue-11 attack matrix (test/integrations/matrix/cases.ts) for MCP with the real SDKs: v1 and
 * v2, in process and over stdio. MCP-specific checks follow it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestationReplayTracker, MemoryReplayStore } from '../../support/api.js';
import {
  ENVELOPE_META_KEY,
  OUTPUT_META_KEY,
  REJECTION_CONTENT_KEY,
  callVerifiedTool,
  verifyToolCallResult,
} from '../../../src/integrations/mcp/index.js';
import { createTsChildRunner, type TsChildRunner } from '../../support/ts-child.js';
import { describeAttackMatrix, type MatrixTarget } from '../matrix/cases.js';
import { connect, type SdkVersion, type Transport } from './harness.js';

let runner: TsChildRunner;
beforeAll(() => {
  runner = createTsChildRunner();
});
afterAll(() => {
  runner.dispose();
});

async function target(sdk: SdkVersion, transport: Transport): Promise<MatrixTarget> {
  const h = await connect(sdk, transport, runner);
  return {
    caller: h.caller,
    receiverAgentId: h.serverAgentId,
    receiverPublicKeyPem: h.serverPublicKeyPem,
    send: (call, envelope) =>
      h.client.callTool({
        name: call.name,
        arguments: call.arguments ?? {},
        ...(envelope === undefined ? {} : { _meta: { [ENVELOPE_META_KEY]: envelope } }),
      }),
    verify: verifyToolCallResult,
    rewriteOutput: (raw, mutate) => {
      const result = raw as { _meta: Record<string, string> };
      return {
        ...result,
        _meta: { ...result._meta, [OUTPUT_META_KEY]: mutate(result._meta[OUTPUT_META_KEY] ?? '') },
      };
    },
    runs: () => h.runs(),
    close: () => h.close(),
  };
}

describeAttackMatrix('MCP v1 in-process', () => target('v1', 'in-process'));
describeAttackMatrix('MCP v2 in-process', () => target('v2', 'in-process'));
describeAttackMatrix('MCP v1 stdio', () => target('v1', 'stdio'));
describeAttackMatrix('MCP v2 stdio', () => target('v2', 'stdio'));

describe.each([
  ['v1', 'in-process'],
  ['v2', 'stdio'],
] as const)('MCP %s over %s: the wire', (sdk, transport) => {
  it('a refusal is a tool error result with the reason in structuredContent and _meta', async () => {
    const h = await connect(sdk, transport, runner);
    try {
      const result = await h.client.callTool({ name: 'read_file', arguments: { path: '/srv/a' } });
      expect(result).toMatchObject({
        isError: true,
        structuredContent: { [REJECTION_CONTENT_KEY]: { decision: 'REJECT', reason: 'envelope_missing' } },
        _meta: { 'dev.trusthandoff/rejection': { decision: 'REJECT', reason: 'envelope_missing' } },
      });
    } finally {
      await h.close();
    }
  });

  it('traceparent travels beside the envelope', async () => {
    const h = await connect(sdk, transport, runner);
    try {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const verdict = await callVerifiedTool(
        h.client,
        { name: 'whoami' },
        {
          identity: h.caller,
          audience: h.serverAgentId,
          traceparent,
          attestationKey: h.serverPublicKeyPem,
          replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
        },
      );
      expect(verdict).toMatchObject({ ok: true, result: { traceparent } });
    } finally {
      await h.close();
    }
  });
});
