/** Construction rules, decisions, audit, events, custom steps and fail-closed store handling. */
import { describe, expect, it } from 'vitest';
import {
  MemoryAgentRegistry,
  MemoryReplayStore,
  StoreUnavailableError,
  HandoffGate,
  rejectDecision,
  sanitizeDetails,
  type ReplayStore,
  type RevocationStore,
} from '../support/api.js';
import { fixture, receiver, sender } from './support.js';

const expectConfigError = (fn: () => unknown): void => {
  expect(fn).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
};

describe('construction', () => {
  const replayStore = new MemoryReplayStore();
  const registry = new MemoryAgentRegistry();

  it('refuses a middleware without a trust anchor', () => {
    expectConfigError(() => new HandoffGate({ agentId: receiver.agentId, replayStore }));
    expectConfigError(
      () =>
        new HandoffGate({
          agentId: receiver.agentId,
          replayStore,
          insecureTrustSelfDeclaredKeys: false,
        }),
    );
  });

  it('allows self-declared keys only through the loudly named option, and then checks signatures with them', async () => {
    const f = await fixture({ registry: undefined, insecureTrustSelfDeclaredKeys: true } as never);
    expect((await f.gate.handle(f.envelope())).decision).toBe('ACCEPT');
    const tampered = f.envelope();
    expect(
      (await f.gate.handle({ ...tampered, packet: { ...tampered.packet, intent: 'other' } })).reason,
    ).toBe('Invalid signature');
  });

  it('requires the inbox owner, a replay store, and sane options', () => {
    expectConfigError(() => new HandoffGate({ registry, replayStore } as never));
    expectConfigError(() => new HandoffGate({ agentId: '', registry, replayStore }));
    expectConfigError(() => new HandoffGate({ agentId: 'a', registry } as never));
    expectConfigError(
      () =>
        new HandoffGate({
          agentId: 'a',
          registry,
          replayStore,
          insecureTrustSelfDeclaredKeys: true,
        }),
    );
    expectConfigError(() => new HandoffGate({ agentId: 'a', registry, replayStore, maxDepth: 0 }));
    expectConfigError(() => new HandoffGate({ agentId: 'a', registry, replayStore, maxLifetimeSeconds: 0 }));
    expectConfigError(() => new HandoffGate({ agentId: 'a', registry, replayStore, storeTimeoutMs: -1 }));
    expectConfigError(
      () =>
        new HandoffGate({
          agentId: 'a',
          registry,
          replayStore,
          signatureVerification: 'gpu' as never,
        }),
    );
    expectConfigError(
      () => new HandoffGate({ agentId: 'a', registry, replayStore, extraSteps: [{} as never] }),
    );
    expectConfigError(
      () =>
        new HandoffGate({
          agentId: 'a',
          registry,
          replayStore,
          revalidation: { intervalSeconds: 1 },
        }),
    );
    expectConfigError(
      () => new HandoffGate({ agentId: 'a', registry, replayStore, replayRetentionMarginSeconds: -1 }),
    );
  });

  it('runs the steps in the hardened order, replay last, on both store paths', () => {
    const perStore = new HandoffGate({
      agentId: 'a',
      registry,
      replayStore,
      extraSteps: [{ name: 'mine', requiresBoundKey: true, check: () => undefined }],
    });
    expect(perStore.path).toBe('per-store');
    expect(perStore.stepNames).toEqual([
      'audience',
      'key-binding',
      'signature',
      'validation',
      'chain',
      'expectations',
      'revocation',
      'mine',
      'replay',
    ]);
    // The memory registry combines with the memory replay store: the same list on the admission path.
    const admission = new HandoffGate({
      agentId: 'a',
      registry,
      replayStore,
      extraSteps: [{ name: 'mine', check: () => undefined }],
    });
    expect(admission.path).toBe('admission');
    expect(admission.stepNames).toEqual([
      'audience',
      'declared-key',
      'signature',
      'validation',
      'chain',
      'expectations',
      'mine',
      'admission',
    ]);
  });
});

describe('decisions', () => {
  it('are frozen, with reasons cut at 256 characters and sanitized details', () => {
    const d = rejectDecision('p', `custom:${'r'.repeat(1000)}`, {
      long: 'x'.repeat(1000),
      ['k'.repeat(300)]: 1,
      list: Array.from({ length: 50 }, (_, i) => i),
      deep: { a: { b: { c: { d: { e: 1 } } } } },
      bytes: Buffer.alloc(100, 0xab),
      big: 10n ** 30n,
      fn: () => 1,
    });
    expect(Object.isFrozen(d)).toBe(true);
    expect(d.reason.length).toBe(256);
    const details = d.details as Record<string, unknown>;
    expect((details['long'] as string).length).toBe(256);
    expect(Object.keys(details).every((k) => k.length <= 128)).toBe(true);
    expect((details['list'] as unknown[]).length).toBe(21);
    expect(JSON.stringify(details['deep'])).toContain('<nested>');
    expect(details['bytes']).toMatch(/^<100 bytes abab/);
    expect(details['fn']).toBe('<function>');
    expect(Object.isFrozen(details['list'])).toBe(true);
    expect(() =>
      sanitizeDetails(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]))),
    ).not.toThrow();
  });

  it('cannot be modified after the gate returned them', async () => {
    const f = await fixture();
    const d = await f.gate.handle(f.envelope());
    expect(() => {
      (d as { decision: string }).decision = 'REJECT';
    }).toThrow();
  });
});

describe('events', () => {
  it('never lets a throwing event port change the decision', async () => {
    const brokenEvents = await fixture({
      events: {
        verifier: { agentId: receiver.agentId, instanceId: 'test' },
        emit: () => {
          throw new Error('bus down');
        },
      },
    });
    expect((await brokenEvents.gate.handle(brokenEvents.envelope())).decision).toBe('ACCEPT');
  });

  it('emits packet_accepted only for the final ACCEPT and packet_rejected with the reason otherwise', async () => {
    const f = await fixture();
    const e = f.envelope();
    await f.gate.handle(e);
    await f.gate.handle(e);
    await f.gate.handle('not json');
    const events = f.events.snapshot().filter((x) => x.event_type.startsWith('packet_'));
    expect(events.map((x) => [x.event_type, 'reason' in x ? x.reason : undefined])).toEqual([
      ['packet_accepted', 'Packet verified and valid'],
      ['packet_rejected', 'Replay detected'],
      ['packet_rejected', 'malformed_envelope'],
    ]);
    expect(events[0]!.correlation_id).toBe(e.packet.packet_id);
    expect(events[0]!.producer_id).toBe(sender.agentId);
  });
});

describe('custom steps', () => {
  it('can reject, run before the replay step, and a throwing step fails closed', async () => {
    const seen: string[] = [];
    const f = await fixture({
      extraSteps: [
        {
          name: 'no-deletes',
          check: (ctx) => {
            seen.push(ctx.packet.packet_id);
            return ctx.packet.intent === 'delete'
              ? { reason: 'custom:policy_denied:delete' as const }
              : undefined;
          },
        },
        {
          name: 'async-boom',
          check: (ctx) => {
            if (ctx.packet.intent === 'boom') return Promise.reject(new TypeError('bug'));
            return Promise.resolve(undefined);
          },
        },
      ],
    });
    const del = f.envelope({ intent: 'delete' });
    expect((await f.gate.handle(del)).reason).toBe('custom:policy_denied:delete');
    expect(await f.gate.handle(f.envelope({ intent: 'boom' }))).toMatchObject({
      reason: 'gate_error',
      details: { step: 'async-boom', error: 'TypeError' },
    });
    expect(f.replayStore.size).toBe(0);
    expect(seen).toEqual([del.packet.packet_id, expect.any(String)]);
  });
});

describe('fail closed', () => {
  const failingReplay: ReplayStore = {
    checkAndStore: () => Promise.reject(new StoreUnavailableError('down')),
  };
  const throwingReplay: ReplayStore = {
    checkAndStore: () => {
      throw new Error('not connected');
    },
  };
  const hangingReplay: ReplayStore = { checkAndStore: () => new Promise<boolean>(() => undefined) };
  const lyingReplay: ReplayStore = { checkAndStore: () => Promise.resolve('yes' as never) };
  const failingRevocations: RevocationStore = {
    revoke: () => Promise.resolve(),
    isRevoked: () => Promise.reject(new Error('down')),
  };

  it.each([
    ['rejecting', failingReplay],
    ['throwing', throwingReplay],
    ['hanging', hangingReplay],
  ])('rejects with replay_store_unavailable when the replay store is %s', async (_name, replayStore) => {
    const f = await fixture({ replayStore, storeTimeoutMs: 50 });
    expect(await f.gate.handle(f.envelope())).toMatchObject({
      decision: 'REJECT',
      reason: 'replay_store_unavailable',
    });
  });

  it('treats anything but a boolean true from the replay store as "seen"', async () => {
    const f = await fixture({ replayStore: lyingReplay });
    expect((await f.gate.handle(f.envelope())).reason).toBe('Replay detected');
  });

  it('rejects with revocation_store_unavailable / registry_unavailable when those fail', async () => {
    const f = await fixture({ revocationStore: failingRevocations });
    expect((await f.gate.handle(f.envelope())).reason).toBe('revocation_store_unavailable');
    const registry = new MemoryAgentRegistry();
    await registry.register(sender.agentId, sender.publicKeyPem);
    const broken = Object.assign(Object.create(null) as object, {
      register: () => Promise.resolve(),
      resolve: (id: string) => registry.resolve(id),
      isRegistered: () => Promise.resolve(true),
      revoke: () => Promise.resolve(),
      isRevoked: () => new Promise<boolean>(() => undefined),
    });
    const g = await fixture({ registry: broken, storeTimeoutMs: 50 });
    expect((await g.gate.handle(g.envelope())).reason).toBe('revocation_store_unavailable');
    const down = await fixture({
      registry: { ...broken, resolve: () => Promise.reject(new Error('x')) },
    });
    expect((await down.gate.handle(down.envelope())).reason).toBe('registry_unavailable');
  });

  it('rejects with overlap_window_unavailable when the overlap window fails for an expired packet', async () => {
    const overlapWindow = {
      register: () => Promise.resolve(),
      isValid: () => Promise.reject(new Error('down')),
    };
    const f = await fixture({ overlapWindow });
    const e = f.envelope({ risk_level: 'write' });
    f.clock.advance(200);
    expect((await f.gate.handle(e)).reason).toBe('overlap_window_unavailable');
  });
});

describe('signature verification modes', () => {
  it.each(['auto', 'threadpool', 'sync'] as const)(
    '%s: same decisions, concurrently',
    async (signatureVerification) => {
      const f = await fixture({ signatureVerification });
      const good = Array.from({ length: 40 }, () => f.envelope());
      const bad = Array.from({ length: 40 }, () => {
        const e = f.envelope();
        return { ...e, packet: { ...e.packet, intent: 'tampered' } };
      });
      const decisions = await Promise.all([...good, ...bad, ...good].map((e) => f.gate.handle(e)));
      expect(decisions.slice(40, 80).every((d) => d.reason === 'Invalid signature')).toBe(true);
      // Thread-pool verifications may finish out of order, so either copy of a good envelope may be
      // the one admitted; exactly one of the two is, and the other is a replay.
      for (let i = 0; i < 40; i++) {
        const reasons = [decisions[i]!.reason, decisions[80 + i]!.reason].sort();
        expect(reasons).toEqual(['Packet verified and valid', 'Replay detected']);
      }
    },
  );
});
