/**
 * The attacks the hardened gate stops (SPEC §7), each named after the attack. Memory stores and a
 * fixed clock; the Redis-backed and multi-process variants live in redis-*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  MemoryReplayStore,
  Timestamp,
  createDelegationEnvelope,
  extendDelegationChain,
  createChain,
  issueTaskPacket,
  serializeDelegationEnvelope,
  signPacket,
  type DelegationEnvelope,
  type SignedTaskPacket,
} from '../support/api.js';
import { T0, at, fixture, mallory, receiver, sender } from './support.js';

function withPacket(
  envelope: DelegationEnvelope,
  patch: Partial<Record<keyof SignedTaskPacket, unknown>>,
): DelegationEnvelope {
  return { packet: { ...envelope.packet, ...patch } as SignedTaskPacket, chain: envelope.chain };
}

describe('nonce burn: a garbage packet carrying a victim’s nonce cannot get the real one rejected', () => {
  it('accepts the real packet after an unsigned packet with the same sender and nonce was refused', async () => {
    const f = await fixture();
    const real = f.envelope({ nonce: 'victim-nonce' });
    const garbage = withPacket(real, {
      intent: 'transfer all funds',
      signature: Buffer.alloc(64, 7).toString('base64'),
    });
    expect(await f.gate.handle(garbage)).toMatchObject({ decision: 'REJECT', reason: 'Invalid signature' });
    // The attacker's own validly signed packet, claiming the victim as sender, is refused too.
    const impersonation = f.envelope({ nonce: 'victim-nonce', from_agent: sender.agentId }, mallory);
    expect((await f.gate.handle(impersonation)).decision).toBe('REJECT');
    expect(await f.gate.handle(real)).toMatchObject({
      decision: 'ACCEPT',
      reason: 'Packet verified and valid',
    });
    expect(f.replayStore.size).toBe(1);
  });

  it('does not let the same nonce from a different sender collide with the victim’s', async () => {
    const f = await fixture();
    expect((await f.gate.handle(f.envelope({ nonce: 'shared' }, mallory))).decision).toBe('ACCEPT');
    expect((await f.gate.handle(f.envelope({ nonce: 'shared' }))).decision).toBe('ACCEPT');
  });
});

describe('replay', () => {
  it('rejects the same envelope twice', async () => {
    const f = await fixture();
    const envelope = f.envelope();
    expect((await f.gate.handle(envelope)).decision).toBe('ACCEPT');
    expect(await f.gate.handle(envelope)).toMatchObject({ decision: 'REJECT', reason: 'Replay detected' });
  });

  it('rejects the same packet again as wire JSON in the other layout', async () => {
    const f = await fixture();
    const envelope = f.envelope();
    expect((await f.gate.handle(serializeDelegationEnvelope(envelope, 'compact'))).decision).toBe('ACCEPT');
    expect((await f.gate.handle(Buffer.from(serializeDelegationEnvelope(envelope)))).reason).toBe(
      'Replay detected',
    );
  });

  it('rejects a replay after the store’s own retention (the reference’s 600 s) would have expired but the packet has not', async () => {
    const f = await fixture();
    const envelope = f.envelope({ risk_level: 'read' }); // 900 s lifetime
    expect((await f.gate.handle(envelope)).decision).toBe('ACCEPT');
    f.clock.advance(700);
    expect(await f.gate.handle(envelope)).toMatchObject({ decision: 'REJECT', reason: 'Replay detected' });
    f.clock.advance(195); // 5 s before expiry
    expect((await f.gate.handle(envelope)).reason).toBe('Replay detected');
    f.clock.advance(10); // expired: the nonce may be forgotten, validation refuses the packet
    expect((await f.gate.handle(envelope)).reason).toBe('expired');
  });

  it('keeps the record for expires_at + grace + overlap (+ margin) and no longer', async () => {
    const f = await fixture({ replayRetentionMarginSeconds: 0, expiryGraceSeconds: 10 });
    const envelope = f.envelope({ risk_level: 'write' }); // 120 s lifetime
    expect((await f.gate.handle(envelope)).decision).toBe('ACCEPT');
    f.clock.advance(129);
    expect((await f.gate.handle(envelope)).reason).toBe('Replay detected');
    f.clock.advance(2);
    expect(
      await f.replayStore.checkAndStore(
        `${sender.agentId.length}:${sender.agentId}:${envelope.packet.nonce}`,
        1,
      ),
    ).toBe(true);
  });
});

describe('flooding the replay store with unsigned packets', () => {
  it('stores nothing for them, so no live nonce is ever evicted', async () => {
    const replayStore = new MemoryReplayStore({ maxEntries: 3 });
    const f = await fixture({ replayStore });
    const live = f.envelope();
    expect((await f.gate.handle(live)).decision).toBe('ACCEPT');
    for (let i = 0; i < 500; i++) {
      const forged = withPacket(f.envelope(), { signature: Buffer.alloc(64, i % 256).toString('base64') });
      expect((await f.gate.handle(forged)).reason).toBe('Invalid signature');
    }
    // Misaddressed, unregistered and expired packets are not remembered either.
    const stranger = AgentIdentity.generate();
    expect((await f.gate.handle(f.envelope({}, stranger))).reason).toBe('public_key_mismatch');
    expect((await f.gate.handle(f.envelope({ to_agent: 'agent:someone-else' }))).reason).toBe(
      'wrong_audience',
    );
    expect(replayStore.size).toBe(1);
    expect((await f.gate.handle(live)).reason).toBe('Replay detected');
  });
});

describe('key substitution', () => {
  it('rejects a packet signed by another key than the sender’s registered one', async () => {
    const f = await fixture();
    // Mallory signs as the sender, with her own key in public_key: the signature itself is valid.
    const forged = issueTaskPacket(
      mallory,
      { from_agent: sender.agentId, to_agent: receiver.agentId, intent: 'x', risk_level: 'read' },
      { now: f.clock.now },
    );
    const decision = await f.gate.handle(createDelegationEnvelope(forged));
    expect(decision).toMatchObject({
      decision: 'REJECT',
      reason: 'public_key_mismatch',
      details: { detail: 'key_mismatch' },
    });
  });

  it('rejects the registered key in public_key over a signature by another key', async () => {
    const f = await fixture();
    const draft = { ...f.packet() } as Record<string, unknown>;
    const resigned = signPacket(draft as never, mallory);
    const swapped = { ...resigned, public_key: sender.publicKeyPem };
    expect((await f.gate.handle(createDelegationEnvelope(swapped))).reason).toBe('Invalid signature');
  });

  it('rejects a sender that is not registered', async () => {
    const f = await fixture();
    const stranger = AgentIdentity.generate();
    expect((await f.gate.handle(f.envelope({}, stranger))).details).toEqual({ detail: 'not_registered' });
  });

  it('follows a key rotation in the registry', async () => {
    const f = await fixture();
    const rotated = AgentIdentity.generate();
    await f.registry.register(sender.agentId, rotated.publicKeyPem);
    expect((await f.gate.handle(f.envelope())).reason).toBe('public_key_mismatch');
    expect((await f.gate.handle(f.envelope({ from_agent: sender.agentId }, rotated))).decision).toBe(
      'ACCEPT',
    );
  });
});

describe('wrong audience', () => {
  it('rejects a valid packet addressed to another agent (it cannot be redirected to this inbox)', async () => {
    const f = await fixture();
    const decision = await f.gate.handle(f.envelope({ to_agent: mallory.agentId }));
    expect(decision).toMatchObject({ decision: 'REJECT', reason: 'wrong_audience' });
    expect(f.replayStore.size).toBe(0);
  });
});

describe('chain truncation', () => {
  it('detects a chain shorter than the signed provenance.delegation_depth', async () => {
    const f = await fixture({ maxDepth: 10 });
    // A third-hop packet: the sender signed delegation_depth 3, the envelope shows only one hop.
    const p = f.packet({ provenance: { delegation_depth: 3, origin_workflow: 'wf' } });
    const decision = await f.gate.handle(createDelegationEnvelope(p, createChain(p)));
    expect(decision).toMatchObject({ decision: 'REJECT', reason: 'chain_depth_mismatch' });
    expect(decision.details).toMatchObject({ signed_depth: 3, chain_agents: 1 });
  });

  it('rejects a chain truncated to slip under the depth limit', async () => {
    const f = await fixture({ maxDepth: 2 });
    const p = f.packet({ provenance: { delegation_depth: 4, origin_workflow: null } });
    expect((await f.gate.handle(createDelegationEnvelope(p))).decision).toBe('REJECT');
  });

  it('accepts a chain that agrees with the signed depth', async () => {
    const f = await fixture();
    const first = f.packet({}, mallory);
    const second = f.packet({ provenance: { delegation_depth: 2, origin_workflow: null } });
    const chain = extendDelegationChain(createChain(first), second);
    expect((await f.gate.handle(createDelegationEnvelope(second, chain))).decision).toBe('ACCEPT');
  });

  it('rejects a chain deeper than the maximum (the reference’s reason)', async () => {
    const f = await fixture({ maxDepth: 2 });
    const a = AgentIdentity.generate();
    const b = AgentIdentity.generate();
    let chain = createChain(issueTaskPacket(a, { to_agent: b.agentId, intent: 'x' }));
    chain = extendDelegationChain(chain, issueTaskPacket(b, { to_agent: mallory.agentId, intent: 'x' }));
    const p = f.packet();
    expect((await f.gate.handle(createDelegationEnvelope(p, extendDelegationChain(chain, p)))).reason).toBe(
      'Delegation depth exceeded',
    );
  });

  it('rejects a chain that does not end with this packet and sender, loops, and widening hops', async () => {
    const f = await fixture();
    const p = f.packet();
    const other = f.packet();
    expect((await f.gate.handle(createDelegationEnvelope(p, createChain(other)))).reason).toBe(
      'chain_mismatch',
    );
    expect((await f.gate.handle({ packet: p, chain: { packet_ids: [], agents: [], hops: [] } })).reason).toBe(
      'chain_mismatch',
    );
    const loop = { packet_ids: ['x', p.packet_id], agents: [receiver.agentId, sender.agentId], hops: [] };
    expect((await f.gate.handle({ packet: p, chain: loop })).reason).toBe('delegation_loop_detected');
    const widened = {
      packet_ids: [p.packet_id],
      agents: [sender.agentId],
      hops: [
        { agent_id: sender.agentId, delegated_permissions: { allowed_actions: ['read'], max_tool_calls: 1 } },
        {
          agent_id: receiver.agentId,
          delegated_permissions: { allowed_actions: ['read', 'write'], max_tool_calls: 1 },
        },
      ],
    };
    expect((await f.gate.handle({ packet: p, chain: widened })).reason).toBe('delegation_chain_widened');
  });
});

describe('revoked agent', () => {
  it('rejects packets from an agent revoked in the registry, even with a valid signature', async () => {
    const f = await fixture();
    const envelope = f.envelope();
    await f.registry.revoke(sender.agentId);
    expect(await f.gate.handle(envelope)).toMatchObject({ decision: 'REJECT', reason: 'agent_revoked' });
    expect(f.replayStore.size).toBe(0);
  });
});

describe('revoked capability', () => {
  it('rejects a packet whose packet id or capability (or its parent) is revoked', async () => {
    const f = await fixture();
    const a = f.envelope();
    await f.revocationStore.revoke(a.packet.packet_id);
    expect((await f.gate.handle(a)).reason).toBe('capability_revoked');
    const token = Buffer.from(
      JSON.stringify({ capability_id: 'cap-1', parent_capability_id: 'cap-0' }),
    ).toString('base64url');
    await f.revocationStore.revoke('cap-0');
    expect((await f.gate.handle(f.envelope({ capability_token: token }))).reason).toBe('capability_revoked');
    expect((await f.gate.handle(f.envelope({ capability_token: '%%%' }))).reason).toBe(
      'malformed_capability_token',
    );
  });
});

describe('time window', () => {
  it('rejects an expired packet', async () => {
    const f = await fixture();
    const envelope = f.envelope({ risk_level: 'write' });
    f.clock.advance(121);
    expect(await f.gate.handle(envelope)).toMatchObject({ decision: 'REJECT', reason: 'expired' });
  });

  it('accepts an expired packet inside its overlap window, with an event', async () => {
    const { MemoryOverlapWindow } = await import('../support/api.js');
    const clock = { ms: T0 };
    const overlapWindow = new MemoryOverlapWindow({ now: () => clock.ms });
    const f = await fixture({ overlapWindow });
    f.clock.ms = T0;
    const envelope = f.envelope({ risk_level: 'write' });
    f.clock.advance(125);
    clock.ms = f.clock.ms;
    await overlapWindow.register(envelope.packet.packet_id);
    expect((await f.gate.handle(envelope)).decision).toBe('ACCEPT');
    expect(f.events.snapshot().some((e) => e.event_type === 'token_overlap_used')).toBe(true);
    expect((await f.gate.handle(envelope)).reason).toBe('Replay detected');
  });

  it('rejects a packet issued in the future beyond the skew', async () => {
    const f = await fixture();
    const p = f.packet({ issued_at: at(T0 + 60_000), ttl_seconds: 60 });
    expect((await f.gate.handle(createDelegationEnvelope(p))).reason).toBe('issued_in_future');
    const near = f.packet({ issued_at: at(T0 + 20_000), ttl_seconds: 60 });
    expect((await f.gate.handle(createDelegationEnvelope(near))).decision).toBe('ACCEPT');
  });

  it('rejects a sender-chosen lifetime longer than the verifier’s maximum (default 3600 s)', async () => {
    const f = await fixture();
    const day = f.packet({ risk_level: null, ttl_seconds: 86_400 });
    expect((await f.gate.handle(createDelegationEnvelope(day))).reason).toBe('lifetime_exceeds_maximum');
    const free = f.packet({ risk_level: null, expires_at: at(T0 + 7_200_000) });
    expect((await f.gate.handle(createDelegationEnvelope(free))).reason).toBe('lifetime_exceeds_maximum');
    const hour = f.packet({ risk_level: null, ttl_seconds: 3600 });
    expect((await f.gate.handle(createDelegationEnvelope(hour))).decision).toBe('ACCEPT');
    const strict = await fixture({ maxLifetimeSeconds: 60 });
    expect((await strict.gate.handle(strict.envelope({ risk_level: 'write' }))).reason).toBe(
      'lifetime_exceeds_maximum',
    );
  });

  it('rejects naive timestamps', async () => {
    const f = await fixture();
    // createTaskPacket refuses naive times (issue 9.4): signed here from a hand-made draft, as a
    // sender elsewhere could.
    const naive = signPacket(
      {
        ...f.packet({ risk_level: null }),
        issued_at: Timestamp.parse('2026-03-08T12:00:00'),
        expires_at: Timestamp.parse('2026-03-08T12:01:00'),
      },
      sender,
    );
    expect((await f.gate.handle(createDelegationEnvelope(naive))).reason).toBe('naive_timestamp');
  });

  it('rejects out-of-range and unparseable timestamps on the wire without throwing', async () => {
    const f = await fixture();
    const wire = serializeDelegationEnvelope(f.envelope());
    const issued = /"issued_at": "([^"]+)"/.exec(wire)![1]!;
    for (const bad of [
      '2026-13-08T12:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-02-30T12:00:00Z',
      '2026-03-08T24:00:00Z',
      '2026-03-08T12:00:00+25:00',
      '2026-03-08 12:00:00Z',
      '+275760-09-13T00:00:00Z',
      'now',
    ]) {
      const decision = await f.gate.handle(wire.replace(issued, bad));
      expect(decision, bad).toMatchObject({ decision: 'REJECT', reason: 'malformed_envelope' });
    }
    // Year 9999 parses, but its lifetime or TTL arithmetic does not pass.
    const far = f.packet({ risk_level: null, expires_at: Timestamp.parse('9999-12-31T23:59:59Z') });
    expect((await f.gate.handle(createDelegationEnvelope(far))).reason).toBe('lifetime_exceeds_maximum');
    // A TTL that would run past year 9999 is refused while parsing.
    const edge = await f.gate.handle(wire.replace(issued, '9999-12-31T23:59:00Z'));
    expect(edge).toMatchObject({ decision: 'REJECT', reason: 'malformed_envelope' });
  });
});

describe('replay_store_full: a full replay store is not a replay', () => {
  for (const path of ['admission', 'per-store'] as const) {
    it(`rejects fresh packets with replay_store_full, never "Replay detected" (${path} path)`, async () => {
      // The fixture's clock stands still at T0, so no entry expires during the test.
      const replayStore = new MemoryReplayStore({ maxEntries: 2, now: () => T0 });
      const f = await fixture({
        replayStore,
        // A revocation store of another kind keeps the gate off the memory admission store.
        ...(path === 'per-store'
          ? { revocationStore: { revoke: () => Promise.resolve(), isRevoked: () => Promise.resolve(false) } }
          : {}),
      });
      expect(f.gate.path).toBe(path);
      const accepted = [f.envelope(), f.envelope()];
      for (const e of accepted) expect((await f.gate.handle(e)).decision).toBe('ACCEPT');
      const fresh = f.envelope();
      expect(await f.gate.handle(fresh)).toMatchObject({ decision: 'REJECT', reason: 'replay_store_full' });
      // A real replay is still a replay, full store or not.
      expect(await f.gate.handle(accepted[0]!)).toMatchObject({
        decision: 'REJECT',
        reason: 'Replay detected',
      });
      // The refused packet was not remembered, and refused again for the same reason.
      expect(replayStore.size).toBe(2);
      expect((await f.gate.handle(fresh)).reason).toBe('replay_store_full');
    });
  }
});
