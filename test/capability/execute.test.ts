/** Authorized execution: audit events in the reference's order, policies, strict mode, ports that fail. */
import { describe, expect, it } from 'vitest';
import {
  allowAllPolicy,
  CapabilityExecutor,
  createDelegationEnvelope,
  EventHub,
  authorizeAction,
  denyActionPolicy,
  denyFileWritePolicy,
  HandoffGate,
  isAcceptDecision,
  issueTaskPacket,
  MemoryAgentRegistry,
  MemoryReplayStore,
  serializeCapabilityToken,
  type AcceptDecision,
  type CapabilityExecutorOptions,
  type CapabilityPolicy,
  type EventCatalogue,
  type SignedTaskPacket,
} from '../support/api.js';
import { clock, mallory, planner, researcher, rootCapability, threeLinkChain, writer } from './fixture.js';

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
  const events: {
    event: EventCatalogue['capability_execution']['outcome'];
    details: Readonly<Record<string, unknown>>;
  }[] = [];
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

// An executor with the shared test settings plus `options`.
const executor = (options: Partial<CapabilityExecutorOptions> = {}): CapabilityExecutor =>
  new CapabilityExecutor({ ...base, ...options });

describe('authorizeAction', () => {
  const root = rootCapability();
  it('allows listed actions within the budget', () => {
    expect(authorizeAction(root, 'read')).toEqual({ ok: true });
    expect(authorizeAction(root, 'read', 9)).toEqual({ ok: true });
    expect(authorizeAction(root, 'read', 10)).toEqual({ ok: false, reason: 'tool_budget_exhausted' });
    expect(authorizeAction(root, 'write')).toEqual({ ok: false, reason: 'action_not_allowed' });
    expect(authorizeAction(root, 'read', 1.5)).toEqual({
      ok: false,
      reason: 'invalid_tool_calls_used',
    });
  });
  it('an unlimited budget never runs out', () => {
    expect(authorizeAction(rootCapability({ max_tool_calls: null }), 'read', 1_000_000)).toEqual({
      ok: true,
    });
  });
});

describe('policies', () => {
  const root = rootCapability();
  it('allow-all and deny-action behave like the reference', () => {
    expect(allowAllPolicy(root, 'anything')).toEqual({ ok: true });
    expect(denyFileWritePolicy(root, 'file_write')).toEqual({
      ok: false,
      reason: 'policy_denied:file_write',
    });
    expect(denyFileWritePolicy(root, 'read')).toEqual({ ok: true });
    expect(denyActionPolicy('a', 'b')(root, 'b')).toEqual({ ok: false, reason: 'policy_denied:b' });
  });
});

describe('CapabilityExecutor.execute', () => {
  it('runs the function after execution_allowed and returns its result', async () => {
    const { events, port } = recorder();
    const chain = threeLinkChain().slice(0, 2);
    const outcome = await executor({ events: port }).execute(
      chain,
      'search',
      () => Promise.resolve({ hits: 3 }),
      { presenter: writer.agentId, toolCallsUsed: 2 },
    );
    expect(outcome).toEqual({ ok: true, result: { hits: 3 } });
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
    const outcome = await executor({ events: port }).execute(chain, 'search', () => (ran = true), {
      presenter: researcher.agentId,
    });
    expect(outcome).toEqual({
      ok: false,
      reason: 'capability_chain_invalid',
      details: { detail: 'subject_mismatch', index: 1, capability_id: 'cap-child' },
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
        ? { ok: false, reason: 'policy_denied:researcher_delegations' }
        : { ok: true };
    };
    const outcome = await executor({ events: port, policy: noPlannerRoots }).execute(
      threeLinkChain(),
      'read',
      () => 1,
    );
    expect(outcome).toEqual({
      ok: false,
      reason: 'policy_denied',
      details: { detail: 'policy_denied:researcher_delegations', capability_id: 'cap-child' },
    });
    expect(seen).toEqual(['cap-root', 'cap-child']);
    expect(events[0]).toMatchObject({
      event: 'policy_denied',
      details: { capability_id: 'cap-child', reason: 'policy_denied:researcher_delegations' },
    });
  });

  it('the reference deny-file-write policy stops file_write even when the capability allows it', async () => {
    const outcome = await executor({ policy: denyFileWritePolicy }).execute(
      [rootCapability()],
      'file_write',
      () => 1,
    );
    expect(outcome).toEqual({
      ok: false,
      reason: 'policy_denied',
      details: { detail: 'policy_denied:file_write', capability_id: 'cap-root' },
    });
  });

  it('a policy that throws or returns junk denies', async () => {
    const throwing: CapabilityPolicy = () => {
      throw new Error('boom');
    };
    expect(await executor({ policy: throwing }).execute([rootCapability()], 'read', () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'policy_error' },
    });
    const junk = (() => 'yes') as unknown as CapabilityPolicy;
    expect(await executor({ policy: junk }).execute([rootCapability()], 'read', () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'policy_error' },
    });
    // The old tuple form is junk now: a truthy array is not `{ ok: true }`.
    const tuple = (() => [true, null]) as unknown as CapabilityPolicy;
    expect(await executor({ policy: tuple }).execute([rootCapability()], 'read', () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'policy_error' },
    });
    const truthy = (() => ({ ok: 1 })) as unknown as CapabilityPolicy;
    expect(await executor({ policy: truthy }).execute([rootCapability()], 'read', () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'policy_error' },
    });
    const asyncDeny: CapabilityPolicy = () => Promise.resolve({ ok: false, reason: 'nope' });
    expect(await executor({ policy: asyncDeny }).execute([rootCapability()], 'read', () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'nope' },
    });
    const noReason = (() => ({ ok: false })) as unknown as CapabilityPolicy;
    expect(await executor({ policy: noReason }).execute([rootCapability()], 'read', () => 1)).toMatchObject({
      ok: false,
      details: { detail: 'policy_denied' },
    });
  });

  it('checks in the reference order: policy before action authorization', async () => {
    const { events, port } = recorder();
    await executor({ events: port, policy: denyActionPolicy('deploy') }).execute(
      [rootCapability()],
      'deploy',
      () => 1,
    );
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
      expect(await executor({ events }).execute([rootCapability()], 'read', () => 'ok')).toEqual({
        ok: true,
        result: 'ok',
      });
      expect(await executor({ events }).execute([], 'read', () => 'ok')).toMatchObject({
        ok: false,
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
    // Three events, each a failed write: the chain verifier's capability_chain_verified and one
    // capability_execution per call.
    expect(throwingSink.stats.sinks[0]!.writeFailures).toBe(3);
    expect(rejectingSink.stats.sinks[0]!.writeFailures).toBe(3);
  });

  it('emits nothing without a port, and refuses an events option that is not a port', async () => {
    expect(await executor().execute([rootCapability()], 'read', () => 'ok')).toEqual({
      ok: true,
      result: 'ok',
    });
    expect(() => new CapabilityExecutor({ ...base, events: { emit: 1 } as never })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });

  it('an error thrown by the function propagates to the caller', async () => {
    await expect(
      executor().execute([rootCapability()], 'read', () => {
        throw new TypeError('tool failed');
      }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});

describe('strict mode', () => {
  it('TRUSTHANDOFF_STRICT_MODE=1 refuses execution without a policy (read when the executor is created)', async () => {
    const env: Record<string, string | undefined> = { TRUSTHANDOFF_STRICT_MODE: '1' };
    const { events, port } = recorder();
    const strict = new CapabilityExecutor({ ...base, env, events: port });
    env['TRUSTHANDOFF_STRICT_MODE'] = '0';
    expect(strict.settings.strictMode).toBe(true);
    let ran = false;
    expect(await strict.execute([rootCapability()], 'read', () => (ran = true))).toEqual({
      ok: false,
      reason: 'no_policy_provided',
      details: { detail: 'no_policy_provided' },
    });
    expect(ran).toBe(false);
    expect(events[0]).toMatchObject({
      event: 'no_policy_provided',
      details: { strict_mode: true, capability_count: 1 },
    });
    expect(new CapabilityExecutor({ ...base, env }).settings.strictMode).toBe(false);
  });

  it('the option overrides the environment, and a policy satisfies strict mode', async () => {
    const strict = new CapabilityExecutor({ ...base, env: {}, strictMode: true });
    expect(await strict.execute([rootCapability()], 'read', () => 1)).toMatchObject({
      reason: 'no_policy_provided',
    });
    const withPolicy = new CapabilityExecutor({
      ...base,
      env: { TRUSTHANDOFF_STRICT_MODE: '1' },
      policy: allowAllPolicy,
    });
    expect(await withPolicy.execute([rootCapability()], 'read', () => 1)).toEqual({
      ok: true,
      result: 1,
    });
    expect(
      new CapabilityExecutor({ ...base, env: { TRUSTHANDOFF_STRICT_MODE: '1' }, strictMode: false }).settings
        .strictMode,
    ).toBe(false);
  });

  it('no_capabilities is reported before no_policy_provided', async () => {
    const { events, port } = recorder();
    await executor({ strictMode: true, events: port }).execute([], 'read', () => 1);
    expect(events.map((e) => e.event)).toEqual(['no_capabilities']);
  });
});

describe('CapabilityExecutor.executePacket', () => {
  it('a packet without a token has no capabilities', async () => {
    const { events, port } = recorder();
    const packet = issueTaskPacket(researcher, { to_agent: writer.agentId, intent: 'read' });
    expect(await executor({ events: port }).executePacket(packet, () => 1)).toEqual({
      ok: false,
      reason: 'no_capabilities',
      details: { detail: 'missing_capability_token' },
    });
    expect(events[0]).toMatchObject({
      event: 'no_capabilities',
      details: { packet_id: packet.packet_id, action: 'read' },
    });
  });

  it('checks the packet signature itself without the gate’s ACCEPT', async () => {
    const token = serializeCapabilityToken(rootCapability());
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: token,
    });
    expect(await executor().executePacket(packet, () => 1)).toEqual({ ok: true, result: 1 });
    const altered = { ...packet, signature: packet.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) };
    expect(await executor().executePacket(altered, () => 1)).toMatchObject({
      ok: false,
      reason: 'capability_chain_invalid',
      details: { detail: 'packet_signature_invalid' },
    });
  });

  it('counts the tool budget like the chain path', async () => {
    const token = serializeCapabilityToken(rootCapability());
    const packet = issueTaskPacket(researcher, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: token,
    });
    expect(await executor().executePacket(packet, () => 1, { toolCallsUsed: 10 })).toMatchObject({
      ok: false,
      details: { detail: 'tool_budget_exhausted' },
    });
  });
});

describe('executePacket with acceptedBy: only the gate’s own ACCEPT of this packet is proof', () => {
  const token = serializeCapabilityToken(rootCapability());

  // A writer-side gate that knows every agent; the executor's registry knows only the root issuer,
  // so the executor's own sender check (registry-bound) fails for the researcher's packet.
  async function accepted(
    sender = researcher,
  ): Promise<{ decision: AcceptDecision; packet: SignedTaskPacket; strictExecutor: CapabilityExecutor }> {
    const gateRegistry = new MemoryAgentRegistry();
    for (const agent of [planner, researcher, writer, mallory])
      await gateRegistry.register(agent.agentId, agent.publicKeyPem);
    const gate = new HandoffGate({
      agentId: writer.agentId,
      registry: gateRegistry,
      replayStore: new MemoryReplayStore(),
      env: {},
    });
    const packet = issueTaskPacket(sender, {
      to_agent: writer.agentId,
      intent: 'read',
      capability_token: token,
    });
    const decision = await gate.handle(createDelegationEnvelope(packet));
    if (!isAcceptDecision(decision)) throw new Error(`gate refused: ${decision.decision}`);
    const rootOnly = new MemoryAgentRegistry();
    await rootOnly.register(planner.agentId, planner.publicKeyPem);
    return { decision, packet: decision.packet, strictExecutor: executor({ registry: rootOnly }) };
  }

  it('the ACCEPT stands in for the packet signature and sender-key check', async () => {
    const { decision, packet, strictExecutor } = await accepted();
    // Without the proof, the executor checks the sender against its own registry and refuses.
    expect(await strictExecutor.executePacket(packet, () => 1)).toMatchObject({
      ok: false,
      reason: 'capability_chain_invalid',
      details: { detail: 'sender_key_unbound' },
    });
    expect(await strictExecutor.executePacket(packet, () => 1, { acceptedBy: decision })).toEqual({
      ok: true,
      result: 1,
    });
  });

  it('refuses a spread copy, a JSON round trip, and an ACCEPT of another packet object', async () => {
    const { decision, packet, strictExecutor } = await accepted();
    const { events, port } = recorder();
    const audited = executor({ events: port });
    const forged = [
      { ...decision },
      JSON.parse(JSON.stringify(decision)) as AcceptDecision,
      structuredClone(decision),
      Object.freeze({ ...decision, packet }),
    ];
    let ran = false;
    for (const acceptedBy of forged) {
      for (const target of [strictExecutor, audited]) {
        expect(await target.executePacket(packet, () => (ran = true), { acceptedBy })).toEqual({
          ok: false,
          reason: 'capability_chain_invalid',
          details: { detail: 'not_accepted_by_gate' },
        });
      }
    }
    // The real decision, but for another (equal-looking) packet object.
    const copy = { ...packet };
    expect(await audited.executePacket(copy, () => (ran = true), { acceptedBy: decision })).toMatchObject({
      ok: false,
      details: { detail: 'not_accepted_by_gate' },
    });
    expect(ran).toBe(false);
    expect(events.map((e) => e.event)).toEqual(Array(5).fill('capability_chain_invalid'));
    expect(events[0]).toMatchObject({
      details: { reason: 'not_accepted_by_gate', packet_id: packet.packet_id },
    });
  });

  it('the ACCEPT skips the sender check, not the subject binding', async () => {
    // Mallory sends a packet carrying the researcher's token: the gate (no capability step) accepts
    // the packet, and the executor still refuses because the token's subject is not the sender.
    const { decision, packet } = await accepted(mallory);
    expect(await executor().executePacket(packet, () => 1, { acceptedBy: decision })).toMatchObject({
      ok: false,
      reason: 'capability_chain_invalid',
      details: { detail: 'subject_mismatch' },
    });
  });
});
