/**
 * Envelopes passed in process: frozen packets this library built skip the second field check, while
 * anything else — a copy, a hand-built object — is checked as strictly as wire input.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createChain,
  createDelegationEnvelope,
  HandoffGate,
  createTaskPacket,
  issueTaskPacket,
  serializeDelegationEnvelope,
  signPacket,
  type DelegationEnvelope,
} from '../support/api.js';

async function gateFor(receiver: AgentIdentity, sender: AgentIdentity) {
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  return new HandoffGate({ agentId: receiver.agentId, registry, replayStore: new MemoryReplayStore() });
}

describe('in-process envelopes', () => {
  const sender = AgentIdentity.generate();
  const receiver = AgentIdentity.generate();

  it('a checked packet decides exactly like its wire form', async () => {
    const packet = issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
    const viaObject = await (await gateFor(receiver, sender)).handle(createDelegationEnvelope(packet));
    const viaWire = await (
      await gateFor(receiver, sender)
    ).handle(serializeDelegationEnvelope(createDelegationEnvelope(packet)));
    expect([viaObject.decision, viaObject.reason]).toEqual([viaWire.decision, viaWire.reason]);
    expect(viaObject.decision).toBe('ACCEPT');
  });

  it("a risk level the gate's TTL policy does not know is refused, as parsing the wire form would", async () => {
    const draft = createTaskPacket(
      { from_agent: sender.agentId, to_agent: receiver.agentId, intent: 'x', risk_level: 'admin' },
      { ttlPolicy: { admin: 30 } },
    );
    const packet = signPacket(draft, sender);
    const gate = await gateFor(receiver, sender);
    expect((await gate.handle(createDelegationEnvelope(packet))).reason).toBe('malformed_envelope');
    expect((await gate.handle(serializeDelegationEnvelope(createDelegationEnvelope(packet)))).reason).toBe(
      'malformed_envelope',
    );
  });

  it('a copy with a mistyped field is checked and refused, not trusted', async () => {
    const packet = issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
    const forged = {
      packet: { ...packet, intent: 42 },
      chain: createChain(packet),
    } as unknown as DelegationEnvelope;
    expect((await (await gateFor(receiver, sender)).handle(forged)).reason).toBe('malformed_envelope');
  });

  it('a hand-built draft signed by signPacket is not taken as checked', async () => {
    const good = createTaskPacket({ from_agent: sender.agentId, to_agent: receiver.agentId, intent: 'x' });
    const handBuilt = { ...good, memory_refs: [7] } as unknown as typeof good;
    const packet = signPacket(handBuilt, sender);
    expect((await (await gateFor(receiver, sender)).handle(createDelegationEnvelope(packet))).reason).toBe(
      'malformed_envelope',
    );
  });
});
