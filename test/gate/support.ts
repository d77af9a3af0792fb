/** Shared fixtures for the gate tests: identities, a registry, a fixed clock, packets. */
import {
  AgentIdentity,
  EventHub,
  MemoryEventSink,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  Timestamp,
  HandoffGate,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  type DelegationEnvelope,
  type HandoffGateOptions,
  type SignedTaskPacket,
  type TaskPacketInput,
} from '../support/api.js';

export const T0 = Date.parse('2026-03-08T12:00:00Z');

export class Clock {
  ms = T0;
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export const sender = AgentIdentity.generate();
export const receiver = AgentIdentity.generate();
export const mallory = AgentIdentity.generate();

export interface Fixture {
  readonly clock: Clock;
  readonly registry: MemoryAgentRegistry;
  readonly replayStore: MemoryReplayStore;
  readonly revocationStore: MemoryRevocationStore;
  /** What the gate emitted (through {@link hub}). */
  readonly events: MemoryEventSink;
  readonly hub: EventHub;
  readonly gate: HandoffGate;
  /** A signed packet from `sender` to `receiver`, issued now by the fixture's clock. */
  packet(input?: Partial<TaskPacketInput>, identity?: AgentIdentity): SignedTaskPacket;
  envelope(input?: Partial<TaskPacketInput>, identity?: AgentIdentity): DelegationEnvelope;
}

export async function fixture(options: Partial<HandoffGateOptions> = {}): Promise<Fixture> {
  const clock = new Clock();
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  await registry.register(receiver.agentId, receiver.publicKeyPem);
  await registry.register(mallory.agentId, mallory.publicKeyPem);
  const replayStore = new MemoryReplayStore({ now: clock.now });
  const revocationStore = new MemoryRevocationStore();
  const events = new MemoryEventSink();
  const hub = new EventHub({ verifier: { agentId: receiver.agentId, instanceId: 'test' }, sinks: [events] });
  const gate = new HandoffGate({
    agentId: receiver.agentId,
    registry,
    replayStore,
    revocationStore,
    events: hub,
    now: clock.now,
    env: {},
    ...options,
  });
  const packet = (input: Partial<TaskPacketInput> = {}, identity: AgentIdentity = sender): SignedTaskPacket =>
    issueTaskPacket(
      identity,
      { to_agent: receiver.agentId, intent: 'summarize', risk_level: 'read', ...input },
      { now: clock.now },
    );
  return {
    clock,
    registry,
    replayStore,
    revocationStore,
    events,
    hub,
    gate,
    packet,
    envelope: (input, identity) => {
      const p = packet(input, identity);
      return createDelegationEnvelope(p, createChain(p));
    },
  };
}

export function at(ms: number): Timestamp {
  return Timestamp.fromEpochMillis(ms);
}
