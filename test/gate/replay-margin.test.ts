/**
 * Issue 9.6: a nonce is remembered for as long as any verifier sharing the store could still accept
 * the packet. Two gates whose clocks differ by 1.5 s share a replay store; with the default margin (the
 * tolerated clock skew) the packet is accepted once, where a margin of zero accepts it twice.
 */
import { describe, expect, it } from 'vitest';
import {
  HandoffGate,
  MemoryAgentRegistry,
  MemoryReplayStore,
  createDelegationEnvelope,
  issueTaskPacket,
} from '../support/api.js';
import { T0, receiver, sender } from './support.js';

async function twoGates(
  margin?: number,
): Promise<{ ahead: HandoffGate; behind: HandoffGate; clock: { ms: number } }> {
  const clock = { ms: T0 };
  const registry = new MemoryAgentRegistry();
  await registry.register(sender.agentId, sender.publicKeyPem);
  // The store keeps real time; one verifier's clock is right, the other's 1.5 s behind.
  const replayStore = new MemoryReplayStore({ now: () => clock.ms });
  const make = (offsetMs: number): HandoffGate =>
    new HandoffGate({
      agentId: receiver.agentId,
      registry,
      replayStore,
      now: () => clock.ms + offsetMs,
      env: {},
      extraSteps: [{ name: 'per-store', requiresBoundKey: true, check: () => undefined }],
      ...(margin === undefined ? {} : { replayRetentionMarginSeconds: margin }),
    });
  return { ahead: make(0), behind: make(-1500), clock };
}

describe('replay retention across verifiers with different clocks (issue 9.6)', () => {
  for (const [name, margin, second] of [
    ['the default margin accepts the packet once', undefined, 'Replay detected'],
    ['a margin of zero would accept it twice', 0, 'Packet verified and valid'],
  ] as const) {
    it(name, async () => {
      const { ahead, behind, clock } = await twoGates(margin);
      const packet = issueTaskPacket(
        sender,
        { to_agent: receiver.agentId, intent: 'x', risk_level: 'write' },
        { now: () => clock.ms },
      );
      const envelope = createDelegationEnvelope(packet);
      // Just before expiry on the correct clock: accepted and remembered.
      clock.ms = packet.expires_at!.epochMillis - 100;
      expect((await ahead.handle(envelope)).decision).toBe('ACCEPT');
      // One second after expiry in real time, the slow verifier still sees it as valid.
      clock.ms = packet.expires_at!.epochMillis + 1000;
      expect((await behind.handle(envelope)).reason).toBe(second);
    });
  }
});
