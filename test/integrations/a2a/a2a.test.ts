/**
 * A2A beyond the matrix, with the real SDK over JSON-RPC: the interceptor on both hooks, the
 * machine-readable reason of a REJECTED task, the approval flow (AUTH_REQUIRED → a signed approval
 * resumes the same task), trace context beside the envelope, and the extension's activation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@a2a-js/sdk/client';
import {
  AttestationReplayTracker,
  AgentIdentity,
  issueApproval,
  MemoryReplayStore,
  parseDelegationEnvelope,
} from '../../support/api.js';
import {
  DELEGATION_EXTENSION_URI,
  a2aCallOf,
  approvalMessage,
  delegationInterceptor,
  issueToolCallEnvelope,
  skillMessage,
  textPart,
  verifyA2AResult,
  type DelegationInterceptor,
} from '../../../src/integrations/a2a/index.js';
import { startAgent, type A2AHarness } from './harness.js';

const send = (client: Client, message: ReturnType<typeof skillMessage>) =>
  client.sendMessage({ tenant: '', message, configuration: undefined, metadata: {} });

let h: A2AHarness;
let trust: DelegationInterceptor;
let client: Client;
beforeEach(async () => {
  h = await startAgent();
  trust = delegationInterceptor({
    identity: h.caller,
    audience: h.agentId,
    attestationKey: h.agentPublicKeyPem,
    replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
    traceparent: () => '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  });
  client = await h.client([trust]);
});
afterEach(async () => {
  await h.close();
});

describe('A2A: the client interceptor', () => {
  it('signs a skill message, activates the extension, and verifies the attested artifact', async () => {
    const task = await send(client, skillMessage('read_file', { path: '/srv/a' }));
    expect(trust.verdictOf(task)).toMatchObject({
      ok: true,
      result: { path: '/srv/a', content: 'contents of /srv/a' },
      artifacts: [{ artifactId: 'result', result: { path: '/srv/a' } }],
    });
    expect(h.runs).toEqual({ read_file: 1 });
  });

  it('carries the traceparent beside the envelope to the inner executor', async () => {
    const task = await send(client, skillMessage('whoami', {}));
    expect(trust.verdictOf(task)).toMatchObject({
      ok: true,
      result: {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        caller: h.caller.agentId,
      },
    });
  });

  it('binds text parts too: the same skill with another prompt is another call', async () => {
    const parts = [textPart('summarize /srv/a'), textPart('in French')];
    const message = skillMessage('read_file', parts);
    expect(a2aCallOf(message)).toEqual({
      name: 'read_file',
      arguments: {
        parts: [
          { text: 'summarize /srv/a', media_type: 'text/plain' },
          { text: 'in French', media_type: 'text/plain' },
        ],
      },
    });
    const minted = issueToolCallEnvelope(h.caller, a2aCallOf(message)!, { audience: h.agentId });
    const swapped = skillMessage('read_file', [textPart('delete /srv/a'), textPart('in French')]);
    const raw = await send(await h.client(), {
      ...swapped,
      metadata: { [DELEGATION_EXTENSION_URI]: { skill: 'read_file', envelope: minted.envelope } },
    }).catch((error: unknown) => error);
    // Without the activation header the SDK refuses the request (the card marks the extension required).
    expect(raw).toBeInstanceOf(Error);
    const verdict = await verifyA2AResult(
      await (
        await h.client()
      ).sendMessage(
        {
          tenant: '',
          message: {
            ...swapped,
            metadata: { [DELEGATION_EXTENSION_URI]: { skill: 'read_file', envelope: minted.envelope } },
          },
          configuration: undefined,
          metadata: {},
        },
        { serviceParameters: { 'A2A-Extensions': DELEGATION_EXTENSION_URI } },
      ),
      {
        attestationKey: h.agentPublicKeyPem,
        replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore() }),
        packetId: minted.packetId,
      },
    );
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'tool_arguments_mismatch' },
    });
    expect(h.runs).toEqual({});
  });
});

describe('A2A: a refused call', () => {
  it('is a task in TASK_STATE_REJECTED with the reason in its status message metadata', async () => {
    const task: unknown = await send(await h.client([]), skillMessage('read_file', { path: '/srv/a' })).catch(
      (error: unknown) => error,
    );
    expect(task).toBeInstanceOf(Error); // no A2A-Extensions header: the SDK refuses before the executor
    const plain = await h.client();
    const refused = await plain.sendMessage(
      {
        tenant: '',
        message: skillMessage('read_file', { path: '/srv/a' }),
        configuration: undefined,
        metadata: {},
      },
      { serviceParameters: { 'A2A-Extensions': DELEGATION_EXTENSION_URI } },
    );
    expect(refused).toMatchObject({
      status: {
        state: 7, // TASK_STATE_REJECTED, not FAILED
        message: {
          metadata: {
            [DELEGATION_EXTENSION_URI]: { rejection: { decision: 'REJECT', reason: 'envelope_missing' } },
          },
        },
      },
    });
    expect(h.runs).toEqual({});
  });

  it('a message that names no skill is refused as skill_missing', async () => {
    const message = skillMessage('read_file', { path: '/srv/a' });
    const task = await (
      await h.client()
    ).sendMessage(
      {
        tenant: '',
        message: { ...message, metadata: { [DELEGATION_EXTENSION_URI]: {} } },
        configuration: undefined,
        metadata: {},
      },
      { serviceParameters: { 'A2A-Extensions': DELEGATION_EXTENSION_URI } },
    );
    expect(task).toMatchObject({
      status: {
        state: 7,
        message: { metadata: { [DELEGATION_EXTENSION_URI]: { rejection: { reason: 'skill_missing' } } } },
      },
    });
  });

  it('a result that cannot be attested is never sent: FAILED with attestation_failed', async () => {
    const task = await send(client, skillMessage('float', {}));
    expect(task).toMatchObject({ status: { state: 4 }, artifacts: [] });
    expect(trust.verdictOf(task)).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'attestation_failed' },
    });
  });
});

describe('A2A: human approval', () => {
  const review = { constraints: { requires_human_review: true } };

  async function parked() {
    const message = skillMessage('delete_file', { path: '/srv/old' });
    // A packet that requires review is minted by the caller and carried as is (the interceptor
    // verifies the result against its packet id).
    const { issueTaskPacket, createDelegationEnvelope, serializeDelegationEnvelope, bindToolCall } =
      await import('../../support/api.js');
    const call = a2aCallOf(message)!;
    const packet = issueTaskPacket(h.caller, {
      to_agent: h.agentId,
      intent: call.name,
      context: { ...bindToolCall(call.name, call.arguments) },
      permissions: { allowed_actions: [call.name], max_tool_calls: 1 },
      ttl_seconds: 300,
      ...review,
    });
    const envelope = serializeDelegationEnvelope(createDelegationEnvelope(packet));
    const entry = { skill: call.name, envelope };
    return { message: { ...message, metadata: { [DELEGATION_EXTENSION_URI]: entry } }, packet };
  }

  it('parks the task in AUTH_REQUIRED, and a signed approval resumes the same task to COMPLETED', async () => {
    const { message, packet } = await parked();
    const first = await send(client, message);
    const waiting = trust.verdictOf(first);
    expect(first).toMatchObject({ status: { state: 8 } });
    expect(waiting).toMatchObject({
      ok: false,
      reason: 'approval_required',
      details: { packet_id: packet.packet_id },
    });
    expect(h.runs).toEqual({});
    // A stranger's approval, and the caller approving its own packet, are refused; the task waits on.
    const stranger = issueApproval(packet, AgentIdentity.generate(), { approverId: 'human:approver' });
    const task = first as { id: string; contextId: string };
    const afterForged = await send(client, approvalMessage(task, [stranger]));
    expect(afterForged).toMatchObject({
      id: task.id,
      status: {
        state: 8,
        message: {
          metadata: { [DELEGATION_EXTENSION_URI]: { rejection: { reason: 'human_review_required' } } },
        },
      },
    });
    const self = issueApproval(packet, h.caller);
    expect(await send(client, approvalMessage(task, [self]))).toMatchObject({ status: { state: 8 } });
    expect(h.runs).toEqual({});
    // The registered approver signs: the same task resumes and completes with an attested result.
    const approval = issueApproval(
      parseDelegationEnvelope(message.metadata[DELEGATION_EXTENSION_URI].envelope).packet,
      h.approver,
      {
        approverId: 'human:approver',
      },
    );
    const done = await send(client, approvalMessage(task, [approval]));
    expect(done).toMatchObject({ id: task.id, status: { state: 3 } });
    expect(trust.verdictOf(done)).toMatchObject({ ok: true, result: { deleted: '/srv/old' } });
    expect(h.runs).toEqual({ delete_file: 1 });
    // The packet was spent: the approval cannot run the call twice (a terminal task takes no message).
    await expect(send(client, approvalMessage(task, [approval]))).rejects.toThrow();
    expect(h.runs).toEqual({ delete_file: 1 });
  });
});
