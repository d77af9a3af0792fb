/**
 * Components emit their catalogue events through the port they are given, and nothing without one:
 * the revalidation watcher, the approval verifier and the capability envelope verifier. (The
 * validator and the capability executor are covered in their own test files.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AgentIdentity,
  EventHub,
  MemoryAgentRegistry,
  MemoryEventSink,
  MemoryReplayStore,
  RevalidationWatcher,
  ApprovalVerifier,
  CapabilityEnvelopeVerifier,
  createCapabilityTokenEnvelope,
  issueApproval,
  serializeCapabilityToken,
  issueTaskPacket,
  type EventPort,
  type ReplayStore,
} from '../support/api.js';
import { NOW_MS, clock, planner, researcher, rootCapability } from '../capability/fixture.js';

function recorder(): { log: MemoryEventSink; port: EventHub } {
  const log = new MemoryEventSink();
  return {
    log,
    port: new EventHub({ verifier: { agentId: 'agent:verifier', instanceId: 'v-1' }, sinks: [log] }),
  };
}

describe('revalidation watcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW_MS });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits capability_stale once through its port, with the verifier stamped', async () => {
    const { log, port } = recorder();
    const w = new RevalidationWatcher({
      capabilityId: 'cap-1',
      revalidate: () => false,
      intervalSeconds: 1,
      jitter: 0,
      events: port,
    }).start();
    await vi.advanceTimersByTimeAsync(5000);
    await w.stop();
    expect(log.snapshot()).toEqual([
      expect.objectContaining({
        event_type: 'capability_stale',
        capability_id: 'cap-1',
        reason: 'revalidation_failed',
        is_revocation_stale: false,
        verifier_id: 'agent:verifier',
        verifier_instance_id: 'v-1',
      }),
    ]);
  });

  it('without a port it still goes stale and emits nothing; a bad port is refused', async () => {
    // Nothing to observe but that the missing port costs nothing: the watcher still decides.
    const w = new RevalidationWatcher({
      capabilityId: 'cap-1',
      revalidate: () => false,
      intervalSeconds: 1,
      jitter: 0,
    }).start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.isStale).toBe(true);
    expect(
      () => new RevalidationWatcher({ capabilityId: 'c', revalidate: () => true, events: {} as never }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });
});

describe('approval verifier', () => {
  const sender = AgentIdentity.generate();
  const alice = AgentIdentity.generate();
  const bob = AgentIdentity.generate();
  const now = (): number => NOW_MS;

  async function setup(events?: EventPort, required = 1) {
    const approvers = new MemoryAgentRegistry();
    await approvers.register('human:alice', alice.publicKeyPem);
    await approvers.register('human:bob', bob.publicKeyPem);
    const verifier = new ApprovalVerifier({
      approvers,
      required,
      now,
      ...(events === undefined ? {} : { events }),
    });
    const check = verifier.check.bind(verifier);
    const packet = issueTaskPacket(sender, { to_agent: 'agent:b', intent: 'deploy' }, { now });
    return { check, packet, approvers };
  }

  it('emits approval_accepted with the counted approvers', async () => {
    const { log, port } = recorder();
    const { check, packet } = await setup(port);
    const approval = issueApproval(packet, alice, { approverId: 'human:alice', now });
    expect(await check(packet, { approvals: [approval] })).toBe(true);
    expect(log.snapshot()).toEqual([
      expect.objectContaining({
        event_type: 'approval_accepted',
        packet_id: packet.packet_id,
        from_agent: sender.agentId,
        approvers: ['human:alice'],
        required: 1,
        correlation_id: packet.packet_id,
        producer_id: sender.agentId,
      }),
    ]);
  });

  it('emits approval_rejected with the reason: none, too few, a denial, registry down', async () => {
    const { log, port } = recorder();
    const { check, packet, approvers } = await setup(port, 2);
    const alicePasses = issueApproval(packet, alice, { approverId: 'human:alice', now });
    const bobDenies = issueApproval(packet, bob, { approverId: 'human:bob', now, decision: 'denied' });
    expect(await check(packet, {})).toBe(false);
    expect(await check(packet, { approvals: [alicePasses] })).toBe(false);
    expect(await check(packet, { approvals: [alicePasses, bobDenies] })).toBe(false);
    vi.spyOn(approvers, 'resolve').mockRejectedValue(new Error('registry down'));
    await expect(check(packet, { approvals: [alicePasses] })).rejects.toThrow();
    expect(log.snapshot().map((e) => [e.event_type, 'reason' in e ? e.reason : null])).toEqual([
      ['approval_rejected', 'no_approvals'],
      ['approval_rejected', 'insufficient_approvals'],
      ['approval_rejected', 'approval_denied'],
      ['approval_rejected', 'approver_registry_unavailable'],
    ]);
    expect(log.snapshot()[1]).toMatchObject({ approvers: ['human:alice'], required: 2 });
  });

  it('emits nothing without a port and refuses a bad one', async () => {
    const { check, packet } = await setup();
    const approval = issueApproval(packet, alice, { approverId: 'human:alice', now });
    expect(await check(packet, { approvals: [approval] })).toBe(true);
    expect(await check(packet, {})).toBe(false);
    expect(
      () => new ApprovalVerifier({ approvers: new MemoryAgentRegistry(), events: { emit: 'no' } as never }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });
});

describe('capability envelope verifier', () => {
  const token = serializeCapabilityToken(rootCapability());

  function verifier(events?: EventPort, replay: ReplayStore = new MemoryReplayStore({ now: clock })) {
    return new CapabilityEnvelopeVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      replayStore: replay,
      ...(events === undefined ? {} : { events }),
    });
  }

  it('emits capability_chain_rejected for envelope-level failures, store_unavailable for the replay store', async () => {
    const { log, port } = recorder();
    const v = verifier(port);
    const envelope = createCapabilityTokenEnvelope(token, { task: 't' }, { now: () => NOW_MS - 1000 });
    expect((await v.verify(envelope, { presenter: researcher.agentId })).ok).toBe(true);
    expect(await v.verify(envelope)).toMatchObject({ ok: false, reason: 'replayed_nonce' });
    expect(await v.verify('{not json')).toMatchObject({ ok: false, reason: 'malformed_envelope' });
    const old = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS - 3_600_000 });
    expect(await v.verify(old)).toMatchObject({ ok: false, reason: 'envelope_expired' });
    const down = verifier(port, { checkAndStore: () => Promise.reject(new Error('down')) });
    expect(await down.verify(envelope)).toMatchObject({ ok: false, reason: 'replay_store_unavailable' });
    const own = log
      .snapshot()
      .filter((e) => e.event_type === 'store_unavailable' || e.event_type === 'capability_chain_rejected');
    expect(own.map((e) => [e.event_type, 'reason' in e ? e.reason : null])).toEqual([
      ['capability_chain_rejected', 'replayed_nonce'],
      ['capability_chain_rejected', 'malformed_envelope'],
      ['capability_chain_rejected', 'envelope_expired'],
      ['store_unavailable', 'replay_store_unavailable'],
      ['capability_chain_rejected', 'replay_store_unavailable'],
    ]);
    expect(own[0]).toMatchObject({ capability_id: 'cap-root', issuer_agent: planner.agentId });
    expect(own[1]).toMatchObject({ capability_id: null, issuer_agent: null });
    expect(own[3]).toMatchObject({ store: 'replay', operation: 'capability_envelope' });
  });

  it('emits nothing without a port', async () => {
    const v = verifier();
    expect(await v.verify('{not json')).toMatchObject({ ok: false, reason: 'malformed_envelope' });
    expect(() => verifier({ emit: null } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});
