/**
 * Two trust boundaries over one inbox: `internal` (packets arriving in-process: a loose lifetime limit
 * only) and `partner` (packets arriving over HTTPS: every requirement a boundary can state). One
 * packet, {@link BoundaryWorld.compliant}, satisfies both; each attack breaks one partner requirement.
 */
import {
  AgentIdentity,
  EventHub,
  HandoffGate,
  MemoryAgentRegistry,
  MemoryEventSink,
  MemoryReplayStore,
  MemoryRevocationStore,
  Timestamp,
  attachApprovals,
  createChain,
  createDelegationEnvelope,
  extendDelegationChain,
  issueApproval,
  issueCapability,
  issueTaskPacket,
  serializeCapabilityToken,
  type DelegationEnvelope,
  type GateStep,
  type HandoffGateOptions,
  type SignedTaskPacket,
  type TaskPacketInput,
} from '../support/api.js';
import type { BoundaryPolicy } from '../../src/boundaries/index.js';
import { Clock } from '../gate/support.js';

export const PLANNER_ID = 'agent:corp:planner';
export const ACME_ID = 'agent:partner:acme';

export const planner = AgentIdentity.generate();
export const acme = AgentIdentity.generate();
export const receiver = AgentIdentity.generate();
export const root = AgentIdentity.generate(); // issues the capabilities the partner boundary trusts
export const otherRoot = AgentIdentity.generate(); // a root nobody trusts
export const alice = AgentIdentity.generate(); // human approver
export const bob = AgentIdentity.generate(); // human approver the partner boundary does not list

export const TWO_BOUNDARIES = {
  version: 1,
  default: 'deny',
  boundaries: [
    {
      name: 'internal',
      description: 'agents in our own process',
      match: { transports: ['in-process'] },
      require: { maxLifetimeSeconds: 3600 },
    },
    {
      name: 'partner',
      description: 'partner agents over the internet',
      match: { transports: ['https'] },
      require: {
        maxLifetimeSeconds: 300,
        maxDelegationDepth: 1,
        requiredApprovals: { count: 1, approvers: ['human:alice'] },
        requireCapabilityChain: true,
        trustedRoots: [root.agentId],
        allowedIntents: ['summarize'],
        allowedActions: ['read', 'search'],
        allowedDataBoundaries: ['public'],
      },
    },
  ],
} as const satisfies BoundaryPolicy;

export const INTERNAL = { transport: 'in-process' } as const;
export const PARTNER = { transport: 'https' } as const;

/** Forces the per-store path without changing any decision (as in admission-parity.test.ts). */
export const boundKeyNoop: GateStep = {
  name: 'bound-key-noop',
  requiresBoundKey: true,
  check: () => undefined,
};

export interface BoundaryWorld {
  readonly clock: Clock;
  readonly registry: MemoryAgentRegistry;
  readonly approvers: MemoryAgentRegistry;
  readonly replayStore: MemoryReplayStore;
  readonly revocationStore: MemoryRevocationStore;
  readonly events: MemoryEventSink;
  readonly gate: HandoffGate;
  /** A packet from the planner that satisfies both boundaries, with `overrides` applied. */
  packet(overrides?: Partial<TaskPacketInput>, capability?: CapabilityOverrides | null): SignedTaskPacket;
  /** The envelope of {@link packet}, with alice's approval unless `approvals` says otherwise. */
  compliant(
    overrides?: Partial<TaskPacketInput>,
    options?: { capability?: CapabilityOverrides | null; approvers?: readonly [AgentIdentity, string][] },
  ): DelegationEnvelope;
  /** A gate over the same stores with other options. */
  gateWith(options: Partial<HandoffGateOptions>): HandoffGate;
}

export interface CapabilityOverrides {
  readonly issuer?: AgentIdentity;
  readonly dataBoundary?: string | null;
  readonly actions?: readonly string[];
}

export async function boundaryWorld(options: Partial<HandoffGateOptions> = {}): Promise<BoundaryWorld> {
  const clock = new Clock();
  const registry = new MemoryAgentRegistry();
  await registry.register(PLANNER_ID, planner.publicKeyPem);
  await registry.register(ACME_ID, acme.publicKeyPem);
  await registry.register(root.agentId, root.publicKeyPem);
  await registry.register(otherRoot.agentId, otherRoot.publicKeyPem);
  const approvers = new MemoryAgentRegistry();
  await approvers.register('human:alice', alice.publicKeyPem);
  await approvers.register('human:bob', bob.publicKeyPem);
  const replayStore = new MemoryReplayStore({ now: clock.now });
  const revocationStore = new MemoryRevocationStore();
  const events = new MemoryEventSink();
  const hub = new EventHub({ verifier: { agentId: receiver.agentId, instanceId: 'test' }, sinks: [events] });
  const gateWith = (more: Partial<HandoffGateOptions>): HandoffGate =>
    new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore,
      revocationStore,
      events: hub,
      now: clock.now,
      env: {},
      boundaries: { policy: TWO_BOUNDARIES, approvers },
      ...options,
      ...more,
    });
  const capabilityToken = (o: CapabilityOverrides): string =>
    serializeCapabilityToken(
      issueCapability(
        o.issuer ?? root,
        {
          subject_agent: PLANNER_ID,
          delegated_permissions: { allowed_actions: [...(o.actions ?? ['summarize'])], max_tool_calls: 10 },
          constraints: {
            max_runtime_seconds: null,
            data_boundary: o.dataBoundary === undefined ? 'public' : o.dataBoundary,
            requires_human_review: null,
          },
          expires_at: Timestamp.fromEpochMillis(clock.ms + 3_600_000),
        },
        { now: clock.now },
      ),
    );
  const packet = (
    overrides: Partial<TaskPacketInput> = {},
    capability: CapabilityOverrides | null = {},
  ): SignedTaskPacket =>
    issueTaskPacket(
      planner,
      {
        from_agent: PLANNER_ID,
        to_agent: receiver.agentId,
        intent: 'summarize',
        permissions: { allowed_actions: ['read'], max_tool_calls: 3 },
        constraints: { max_runtime_seconds: null, data_boundary: 'public', requires_human_review: null },
        risk_level: 'read',
        ttl_seconds: 240,
        capability_token: capability === null ? null : capabilityToken(capability),
        ...overrides,
      },
      { now: clock.now },
    );
  return {
    clock,
    registry,
    approvers,
    replayStore,
    revocationStore,
    events,
    gate: gateWith({}),
    packet,
    compliant(overrides = {}, o = {}) {
      const p = packet(overrides, o.capability === undefined ? {} : o.capability);
      const signers = o.approvers ?? [[alice, 'human:alice']];
      return attachApprovals(
        createDelegationEnvelope(p),
        signers.map(([who, id]) => issueApproval(p, who, { approverId: id, now: clock.now })),
      );
    },
    gateWith,
  };
}

/** A depth-2 delegation: acme asked the planner, who now delegates to the receiver. */
export function deeper(world: BoundaryWorld): DelegationEnvelope {
  const first = issueTaskPacket(
    acme,
    { from_agent: ACME_ID, to_agent: PLANNER_ID, intent: 'summarize', risk_level: 'read' },
    { now: world.clock.now },
  );
  const second = world.packet();
  const chain = extendDelegationChain(createChain(first), second);
  return attachApprovals(createDelegationEnvelope(second, chain), [
    issueApproval(second, alice, { approverId: 'human:alice', now: world.clock.now }),
  ]);
}
