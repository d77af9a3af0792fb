/** Authorized execution: audit events in the reference's order, policies, strict mode, ports that fail. */
import { describe, expect, it } from 'vitest';
import {
  allowAllPolicy,
  EventHub,
  authorizeAction,
  createCapabilityExecutor,
  denyActionPolicy,
  denyFileWritePolicy,
  executeAuthorizedAction,
  executePacketAuthorizedAction,
  isActionAuthorized,
  issueTaskPacket,
  encodeCapabilityToken,
  type CapabilityAuditEvent,
  type CapabilityPolicy,
} from '../../src/index.js';
import { clock, planner, researcher, rootCapability, threeLinkChain, writer } from './fixture.js';

const ENVELOPE = new Set([
  'event_id',
  'event_type',
  'timestamp',
  'producer_id',
  'correlation_id',
  'idempotency_key',
  'verifier_id',
  'verifier_instance_id',
]);

// The executor's `capability_execution` events as { event: outcome, details: the other fields }.
function recorder() {
  const events: { event: CapabilityAuditEvent; details: Readonly<Record<string, unknown>> }[] = [];
  const port = new EventHub({
    verifier: { agentId: writer.agentId, instanceId: 'executor-test' },
    sinks: [
      {
        write: (e) => {
          if (e.event_type !== 'capability_execution') return;
          const details = Object.fromEntries(
            Object.entries(e).filter(([k]) => !ENVELOPE.has(k) && k !== 'outcome'),
          );
          events.push({ event: e.outcome, details });
        },
      },
    ],
  });
  return { events, port };
}

const base = { trustedRoots: [planner], now: clock, env: {} } as const;

describe('authorizeAction', () => {
  const root = rootCapability();
  it('allows listed actions within the budget', () => {
    expect(authorizeAction(root, 'read')).toEqual({ authorized: true });
    expect(authorizeAction(root, 'read', 9)).toEqual({ authorized: true });
    expect(isActionAuthorized(root, 'read', 10)).toBe(false);
    expect(authorizeAction(root, 'write')).toEqual({ authorized: false, reason: 'action_not_allowed' });
    expect(authorizeAction(root, 'read', 1.5)).toEqual({
      authorized: false,
      reason: 'invalid_tool_calls_used',
    });
  });
  it('an unlimited budget never runs out', () => {
    expect(isActionAuthorized(rootCapability({ max_tool_calls: null }), 'read', 1_000_000)).toBe(true);
  });
});

describe('policies', () => {
  const root = rootCapability();
  it('allow-all and deny-action behave like the reference', () => {
    expect(allowAllPolicy(root, 'anything')).toEqual([true, null]);
    expect(denyFileWritePolicy(root, 'file_write')).toEqual([false, 'policy_denied:file_write']);
    expect(denyFileWritePolicy(root, 'read')).toEqual([true, null]);
    expect(denyActionPolicy('a', 'b')(root, 'b')).toEqual([false, 'policy_denied:b']);
  });
});

describe('executeAuthorizedAction', () => {
  it('runs the function after execution_allowed and returns its result', async () => {
    const { events, port } = recorder();
    const chain = threeLinkChain().slice(0, 2);
    const outcome = await executeAuthorizedAction(chain, 'search', () => Promise.resolve({ hits: 3 }), {
      ...base,
      events: port,
      presenter: writer.agentId,
      toolCallsUsed: 2,
    });
    expect(outcome).toEqual({ allowed: true, result: { hits: 3 } });
    expect(events).toEqual([
      {
        event: 'execution_allowed',
        details: {
          action: 'search',
          capability_id: 'cap-child',
          leaf_capability_id: 'cap-child',
          issuer_agent: researcher.agentId,
          subject_agent: writer.agentId,
          tool_calls_used: 2,
          capability_count: 2,
          reason: null,
          packet_id: null,
          from_agent: null,
          failed_index: null,
          strict_mode: false,
        },
      },
    ]);
  });

  it('reports capability_chain_invalid with the chain reason and runs nothing', async () => {
    const { events, port } = recorder();
    const chain = threeLinkChain().slice(0, 2);
    let ran = false;
    const outcome = await executeAuthorizedAction(chain, 'search', () => (ran = true), {
      ...base,
      events: port,
      presenter: researcher.agentId,
    });
    expect(outcome).toEqual({
      allowed: false,
      reason: 'capability_chain_invalid',
      detail: 'subject_mismatch',
    });
    expect(ran).toBe(false);
    expect(events[0]).toMatchObject({
      event: 'capability_chain_invalid',
      details: { reason: 'subject_mismatch', leaf_capability_id: 'cap-child', failed_index: 1 },
    });
  });

  it('applies the policy to every capability in the chain', async () => {
    const { events, port } = recorder();
    const seen: string[] = [];
    const noPlannerRoots: CapabilityPolicy = (capability) => {
      seen.push(capability.capability_id);
      return capability.issuer_agent === researcher.agentId
        ? [false, 'policy_denied:researcher_delegations']
        : [true];
    };
    const outcome = await executeAuthorizedAction(threeLinkChain(), 'read', () => 1, {
      ...base,
      events: port,
      policy: noPlannerRoots,
    });
    expect(outcome).toEqual({
      allowed: false,
      reason: 'policy_denied',
      detail: 'policy_denied:researcher_delegations',
    });
    expect(seen).toEqual(['cap-root', 'cap-child']);
    expect(events[0]).toMatchObject({
      event: 'policy_denied',
      details: { capability_id: 'cap-child', reason: 'policy_denied:researcher_delegations' },
    });
  });

  it('the reference deny-file-write policy stops file_write even when the capability allows it', async () => {
    const outcome = await executeAuthorizedAction([rootCapability()], 'file_write', () => 1, {
      ...base,
      policy: denyFileWritePolicy,
    });
    expect(outcome).toEqual({ allowed: false, reason: 'policy_denied', detail: 'policy_denied:file_write' });
  });

  it('a policy that throws or returns junk denies', async () => {
    const throwing: CapabilityPolicy = () => {
      throw new Error('boom');
    };
    expect(
      await executeAuthorizedAction([rootCapability()], 'read', () => 1, { ...base, policy: throwing }),
    ).toMatchObject({ detail: 'policy_error' });
    const junk = (() => 'yes') as unknown as CapabilityPolicy;
    expect(
      await executeAuthorizedAction([rootCapability()], 'read', () => 1, { ...base, policy: junk }),
    ).toMatchObject({ detail: 'policy_error' });
    const asyncDeny: CapabilityPolicy = () => Promise.resolve([false, 'nope'] as const);
    expect(
      await executeAuthorizedAction([rootCapability()], 'read', () => 1, { ...base, policy: asyncDeny }),
    ).toMatchObject({ detail: 'nope' });
  });

  it('checks in the reference order: policy before action authorization', async () => {
    const { events, port } = recorder();
    await executeAuthorizedAction([rootCapability()], 'deploy', () => 1, {
      ...base,
      events: port,
      policy: denyActionPolicy('deploy'),
    });
    expect(events.map((e) => e.event)).toEqual(['policy_denied']);
  });

  it('a port or sink that throws or rejects never changes the decision', async () => {
    const verifier = { agentId: writer.agentId, instanceId: 'x' };
    const throwingPort = {
      verifier,
      emit: () => {
        throw new Error('audit down');
      },
    };
    const throwingSink = new EventHub({
      verifier,
      sinks: [
        {
          write: () => {
            throw new Error('audit down');
          },
        },
      ],
    });
    const rejectingSink = new EventHub({
      verifier,
      sinks: [{ write: () => Promise.reject(new Error('down')) }],
    });
    for (const events of [throwingPort, throwingSink, rejectingSink]) {
      expect(
        await executeAuthorizedAction([rootCapability()], 'read', () => 'ok', { ...base, events }),
      ).toEqual({ allowed: true, result: 'ok' });
      expect(await executeAuthorizedAction([], 'read', () => 'ok', { ...base, events })).toMatchObject({
        allowed: false,
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
    // Three events, each a failed write: the chain verifier's capability_chain_verified and one
    // capability_execution per call.
    expect(throwingSink.stats.sinks[0]!.writeFailures).toBe(3);
    expect(rejectingSink.stats.sinks[0]!.writeFailures).toBe(3);
  });

  it('emits nothing without a port, and refuses an events option that is not a port', async () => {
    expect(await executeAuthorizedAction([rootCapability()], 'read', () => 'ok', base)).toEqual({
      allowed: true,
      result: 'ok',
    });
    expect(() => createCapabilityExecutor({ ...base, events: { emit: 1 } as never })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });

  it('an error thrown by the function propagates to the caller', async () => {
    await expect(
      executeAuthorizedAction(
        [rootCapability()],
        'read',
        () => {
          throw new TypeError('tool failed');
        },
        base,
      ),
    ).rejects.toThrow('tool failed');
  });
});

describe('strict mode', () => {
  it('TRUSTHANDOFF_STRICT_MODE=1 refuses execution without a policy (read when the executor is created)', async () => {
    const env: Record<string, string | undefined> = { TRUSTHANDOFF_STRICT_MODE: '1' };
    const { events, port } = recorder();
    const strict = createCapabilityExecutor({ ...base, env, events: port });
    env['TRUSTHANDOFF_STRICT_MODE'] = '0';
    expect(strict.settings.strictMode).toBe(true);
    let ran = false;
    expect(await strict.executeAuthorizedAction([rootCapability()], 'read', () => (ran = true))).toEqual({
      allowed: false,
      reason: 'no_policy_provided',
      detail: 'no_policy_provided',
    });
    expect(ran).toBe(false);
    expect(events[0]).toMatchObject({
      event: 'no_policy_provided',
      details: { strict_mode: true, capability_count: 1 },
    });
    expect(createCapabilityExecutor({ ...base, env }).settings.strictMode).toBe(false);
  });

  it('the option overrides the environment, and a policy satisfies strict mode', async () => {
    const strict = createCapabilityExecutor({ ...base, env: {}, strictMode: true });
    expect(await strict.executeAuthorizedAction([rootCapability()], 'read', () => 1)).toMatchObject({
      reason: 'no_policy_provided',
    });
    const withPolicy = createCapabilityExecutor({
      ...base,
      env: { TRUSTHANDOFF_STRICT_MODE: '1' },
      policy: allowAllPolicy,
    });
    expect(await withPolicy.executeAuthorizedAction([rootCapability()], 'read', () => 1)).toEqual({
      allowed: true,
      result: 1,
    });
    expect(
      createCapabilityExecutor({ ...base, env: { TRUSTHANDOFF_STRICT_MODE: '1' }, strictMode: false })
        .settings.strictMode,
    ).toBe(false);
  });

  it('no_capabilities is reported before no_policy_provided', async () => {
    const { events, port } = recorder();
    await createCapabilityExecutor({ ...base, strictMode: true, events: port }).executeAuthorizedAction(
      [],
      'read',
      () => 1,
    );
    expect(events.map((e) => e.event)).toEqual(['no_capabilities']);
  });
});

describe('executePacketAuthorizedAction', () => {
  it('a packet without a token has no capabilities', async () => {
    const { events, port } = recorder();
    const packet = issueTaskPacket(researcher, { to_agent: writer.agentId, intent: 'read' });
    expect(await executePacketAuthorizedAction(packet, () => 1, { ...base, events: port })).toEqual({
      allowed: false,
      reason: 'no_capabilities',
      detail: 'missing_capability_token',
    });
    expect(events[0]).toMatchObject({
      event: 'no_capabilities',
      details: { packet_id: packet.packet_id, action: 'read' },
    });
  });

  it('packetVerifiedByGate skips the packet signature check but not the subject binding', async () => {
    const token = encodeCapabilityToken(rootCapability());
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: token,
    });
    const altered = { ...packet, signature: packet.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) };
    expect(await executePacketAuthorizedAction(altered, () => 1, base)).toMatchObject({
      detail: 'packet_signature_invalid',
    });
    expect(
      await executePacketAuthorizedAction(altered, () => 1, { ...base, packetVerifiedByGate: true }),
    ).toEqual({ allowed: true, result: 1 });
    const otherSender = { ...packet, from_agent: writer.agentId };
    expect(
      await executePacketAuthorizedAction(otherSender, () => 1, { ...base, packetVerifiedByGate: true }),
    ).toMatchObject({
      detail: 'subject_mismatch',
    });
  });

  it('counts the tool budget like the chain path', async () => {
    const token = encodeCapabilityToken(rootCapability());
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: token,
    });
    expect(
      await executePacketAuthorizedAction(packet, () => 1, { ...base, toolCallsUsed: 10 }),
    ).toMatchObject({
      detail: 'tool_budget_exhausted',
    });
  });
});
