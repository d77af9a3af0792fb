/** The capability token envelope: freshness window, chain verification, nonce checked and stored last. */
import { describe, expect, it } from 'vitest';
import {
  MemoryReplayStore,
  CapabilityEnvelopeVerifier,
  createCapabilityTokenEnvelope,
  serializeCapabilityToken,
  parseCapabilityTokenEnvelope,
  serializeCapabilityTokenEnvelope,
  Timestamp,
  type ReplayStore,
} from '../support/api.js';
import { NOW_MS, clock, mallory, planner, researcher, rootCapability, threeLinkChain } from './fixture.js';

class CountingReplayStore implements ReplayStore {
  readonly inner = new MemoryReplayStore({ now: clock });
  calls = 0;
  readonly ttls: number[] = [];
  checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    this.calls++;
    this.ttls.push(ttlMs);
    return this.inner.checkAndStore(key, ttlMs);
  }
}

function setup(now: () => number = clock, options: { replayRetentionMarginSeconds?: number } = {}) {
  const replay = new CountingReplayStore();
  const verifier = new CapabilityEnvelopeVerifier({
    trustedRoots: [planner],
    now,
    env: {},
    replayStore: replay,
    ...options,
  });
  return { replay, verifier };
}

const token = serializeCapabilityToken(rootCapability());

describe('capability token envelope', () => {
  it('is accepted once; the same nonce is a replay the second time', async () => {
    const { verifier } = setup();
    const envelope = createCapabilityTokenEnvelope(
      token,
      { task: 'search_docs' },
      { now: () => NOW_MS - 1000 },
    );
    const first = await verifier.verify(envelope, { presenter: researcher.agentId });
    expect(first).toMatchObject({ ok: true, capability: { capability_id: 'cap-root' } });
    expect(await verifier.verify(envelope)).toEqual({ ok: false, reason: 'replayed_nonce' });
  });

  it('round-trips through its wire JSON, which carries the reference field names', async () => {
    const envelope = createCapabilityTokenEnvelope(token, { n: 2n ** 70n, text: 'é' }, { now: clock });
    const wire = serializeCapabilityTokenEnvelope(envelope);
    expect(Object.keys(JSON.parse(wire) as object).sort()).toEqual([
      'capability_token',
      'issued_at',
      'nonce',
      'payload',
    ]);
    const parsed = parseCapabilityTokenEnvelope(wire);
    expect(parsed.payload).toEqual({ n: 2n ** 70n, text: 'é' });
    expect(parsed.issued_at.equals(envelope.issued_at)).toBe(true);
    expect((await setup().verifier.verify(wire)).ok).toBe(true);
  });

  it('accepts the reference’s own JSON form (pydantic, +00:00 offset)', async () => {
    const wire = `{"payload": {"task": "search_docs"}, "capability_token": "${token}", "nonce": "nonce-env-1", "issued_at": "2026-03-08T12:09:00+00:00"}`;
    expect((await setup().verifier.verify(wire)).ok).toBe(true);
  });

  it('rejects an envelope older than the maximum age, and one from the future, without touching the replay store', async () => {
    const { verifier, replay } = setup();
    const old = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS - 300_001 });
    expect(await verifier.verify(old)).toEqual({ ok: false, reason: 'envelope_expired' });
    const edge = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS - 300_000 });
    const future = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS + 1 });
    expect(await verifier.verify(future)).toEqual({ ok: false, reason: 'envelope_in_future' });
    expect(replay.calls).toBe(0);
    expect((await verifier.verify(edge)).ok).toBe(true);
  });

  it('rejects an envelope whose chain does not verify, without burning its nonce', async () => {
    const { verifier, replay } = setup();
    const [, child] = threeLinkChain();
    const orphan = createCapabilityTokenEnvelope(serializeCapabilityToken(child!), {}, { now: clock });
    expect(await verifier.verify(orphan)).toEqual({
      ok: false,
      reason: 'root_has_parent',
      details: { index: 0, capability_id: 'cap-child' },
    });
    const stolen = createCapabilityTokenEnvelope(token, {}, { now: clock });
    expect(await verifier.verify(stolen, { presenter: mallory.agentId })).toEqual({
      ok: false,
      reason: 'subject_mismatch',
      details: { index: 0, capability_id: 'cap-root' },
    });
    expect(replay.calls).toBe(0);
    // The nonce of the rejected envelope is still usable by the real holder.
    expect((await verifier.verify(stolen, { presenter: researcher.agentId })).ok).toBe(true);
    const [root] = threeLinkChain();
    expect((await verifier.verify(orphan, { ancestors: [root!] })).ok).toBe(true);
  });

  it('parses an envelope object once (getters refused), and verdicts are frozen', async () => {
    const envelope = createCapabilityTokenEnvelope(token, { task: 'x' }, { now: clock });
    const plain = JSON.parse(serializeCapabilityTokenEnvelope(envelope)) as Record<string, unknown>;
    const parsed = parseCapabilityTokenEnvelope(plain);
    expect(parsed.nonce).toBe(envelope.nonce);
    expect(Object.isFrozen(parsed.payload)).toBe(true);
    let reads = 0;
    const shifty = Object.defineProperty({ ...plain }, 'nonce', {
      enumerable: true,
      get: () => `nonce-${++reads}`,
    });
    expect(() => parseCapabilityTokenEnvelope(shifty)).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
    expect(reads).toBe(0);
    const { verifier } = setup();
    expect(await verifier.verify(shifty as never)).toEqual({ ok: false, reason: 'malformed_envelope' });
    const verdict = await verifier.verify(envelope);
    expect(verdict.ok).toBe(true);
    expect(Object.isFrozen(verdict)).toBe(true);
  });

  it('rejects garbage with a reason', async () => {
    const { verifier } = setup();
    expect(await verifier.verify('not json')).toEqual({ ok: false, reason: 'malformed_envelope' });
    expect(
      await verifier.verify('{"capability_token": "x", "nonce": "n", "issued_at": "2026-03-08T12:09:00Z"}'),
    ).toEqual({
      ok: false,
      reason: 'malformed_token',
    });
    const naive = `{"capability_token": "${token}", "nonce": "n", "issued_at": "2026-03-08T12:09:00"}`;
    expect(await verifier.verify(naive)).toEqual({ ok: false, reason: 'naive_timestamp' });
    const longNonce = `{"capability_token": "${token}", "nonce": "${'n'.repeat(257)}", "issued_at": "2026-03-08T12:09:00Z"}`;
    expect(await verifier.verify(longNonce)).toEqual({ ok: false, reason: 'malformed_envelope' });
  });

  it('a failing replay store rejects (fail closed)', async () => {
    const replay: ReplayStore = { checkAndStore: () => Promise.reject(new Error('redis down')) };
    const verifier = new CapabilityEnvelopeVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      replayStore: replay,
    });
    expect(await verifier.verify(createCapabilityTokenEnvelope(token, {}, { now: clock }))).toEqual({
      ok: false,
      reason: 'replay_store_unavailable',
    });
  });

  it('refuses to be built without a replay store or with a bad maximum age', () => {
    expect(() => new CapabilityEnvelopeVerifier({ trustedRoots: [planner] } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(
      () =>
        new CapabilityEnvelopeVerifier({
          trustedRoots: [planner],
          replayStore: new MemoryReplayStore(),
          maxAgeSeconds: 0,
        }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    for (const margin of [-1, Number.NaN, Infinity]) {
      expect(
        () =>
          new CapabilityEnvelopeVerifier({
            trustedRoots: [planner],
            replayStore: new MemoryReplayStore(),
            replayRetentionMarginSeconds: margin,
          }),
      ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    }
  });

  it('keeps the nonce for as long as the envelope could be accepted', async () => {
    let now = NOW_MS;
    const replay = new MemoryReplayStore({ now: () => now });
    const verifier = new CapabilityEnvelopeVerifier({
      trustedRoots: [planner],
      now: () => now,
      env: {},
      replayStore: replay,
    });
    const envelope = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS });
    expect((await verifier.verify(envelope)).ok).toBe(true);
    now = NOW_MS + 299_000;
    expect(await verifier.verify(envelope)).toEqual({ ok: false, reason: 'replayed_nonce' });
    now = NOW_MS + 301_000;
    expect(await verifier.verify(envelope)).toEqual({ ok: false, reason: 'envelope_expired' });
    expect(Timestamp.fromEpochMillis(NOW_MS).equals(envelope.issued_at)).toBe(true);
  });

  it('keeps the nonce until the envelope expires plus the margin (default: the clock-skew allowance)', async () => {
    const envelope = (): ReturnType<typeof createCapabilityTokenEnvelope> =>
      createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS - 1000 });
    // Default margin: the larger of 5 s and the skew allowance (env {} → 30 s).
    const byDefault = setup();
    expect((await byDefault.verifier.verify(envelope())).ok).toBe(true);
    expect(byDefault.replay.ttls).toEqual([300_000 - 1000 + 30_000]);
    const smallSkew = new CountingReplayStore();
    await new CapabilityEnvelopeVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      issuanceSkewSeconds: 2,
      replayStore: smallSkew,
    }).verify(envelope());
    expect(smallSkew.ttls).toEqual([300_000 - 1000 + 5_000]);
    const configured = setup(clock, { replayRetentionMarginSeconds: 12 });
    await configured.verifier.verify(envelope());
    expect(configured.replay.ttls).toEqual([300_000 - 1000 + 12_000]);
  });

  it('issue 9.6: two verifiers whose clocks differ by 1.5 s, sharing a replay store, accept an envelope once', async () => {
    // The shared store runs on real time; verifier A's clock is 1.5 s ahead, B's is exact.
    let real = NOW_MS;
    const shared = new MemoryReplayStore({ now: () => real });
    const make = (offsetMs: number): CapabilityEnvelopeVerifier =>
      new CapabilityEnvelopeVerifier({
        trustedRoots: [planner],
        now: () => real + offsetMs,
        env: {},
        replayStore: shared,
      });
    const ahead = make(1500);
    const exact = make(0);
    const envelope = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS });
    real = NOW_MS + 100;
    expect((await ahead.verify(envelope)).ok).toBe(true);
    // B would still accept the envelope (its age ≤ 300 s on B's clock): the nonce must still be known.
    for (const at of [NOW_MS + 299_500, NOW_MS + 299_800, NOW_MS + 300_000]) {
      real = at;
      expect(await exact.verify(envelope)).toEqual({ ok: false, reason: 'replayed_nonce' });
    }
    real = NOW_MS + 300_001;
    expect(await exact.verify(envelope)).toEqual({ ok: false, reason: 'envelope_expired' });
  });
});
