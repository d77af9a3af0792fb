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
} from '../../src/index.js';
import { NOW_MS, clock, mallory, planner, researcher, rootCapability, threeLinkChain } from './fixture.js';

class CountingReplayStore implements ReplayStore {
  readonly inner = new MemoryReplayStore({ now: clock });
  calls = 0;
  checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    this.calls++;
    return this.inner.checkAndStore(key, ttlMs);
  }
}

function setup(now: () => number = clock) {
  const replay = new CountingReplayStore();
  const verifier = new CapabilityEnvelopeVerifier({ trustedRoots: [planner], now, env: {}, replay });
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
    expect(first.valid).toBe(true);
    expect(first.capability?.capability_id).toBe('cap-root');
    expect(await verifier.verify(envelope)).toEqual({ valid: false, reason: 'replayed_nonce' });
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
    expect((await setup().verifier.verify(wire)).valid).toBe(true);
  });

  it('accepts the reference’s own JSON form (pydantic, +00:00 offset)', async () => {
    const wire = `{"payload": {"task": "search_docs"}, "capability_token": "${token}", "nonce": "nonce-env-1", "issued_at": "2026-03-08T12:09:00+00:00"}`;
    expect((await setup().verifier.verify(wire)).valid).toBe(true);
  });

  it('rejects an envelope older than the maximum age, and one from the future, without touching the replay store', async () => {
    const { verifier, replay } = setup();
    const old = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS - 300_001 });
    expect(await verifier.verify(old)).toEqual({ valid: false, reason: 'envelope_expired' });
    const edge = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS - 300_000 });
    const future = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS + 1 });
    expect(await verifier.verify(future)).toEqual({ valid: false, reason: 'envelope_in_future' });
    expect(replay.calls).toBe(0);
    expect((await verifier.verify(edge)).valid).toBe(true);
  });

  it('rejects an envelope whose chain does not verify, without burning its nonce', async () => {
    const { verifier, replay } = setup();
    const [, child] = threeLinkChain();
    const orphan = createCapabilityTokenEnvelope(serializeCapabilityToken(child!), {}, { now: clock });
    expect(await verifier.verify(orphan)).toEqual({ valid: false, reason: 'root_has_parent' });
    const stolen = createCapabilityTokenEnvelope(token, {}, { now: clock });
    expect(await verifier.verify(stolen, { presenter: mallory.agentId })).toEqual({
      valid: false,
      reason: 'subject_mismatch',
    });
    expect(replay.calls).toBe(0);
    // The nonce of the rejected envelope is still usable by the real holder.
    expect((await verifier.verify(stolen, { presenter: researcher.agentId })).valid).toBe(true);
    const [root] = threeLinkChain();
    expect((await verifier.verify(orphan, { ancestors: [root!] })).valid).toBe(true);
  });

  it('rejects garbage with a reason', async () => {
    const { verifier } = setup();
    expect(await verifier.verify('not json')).toEqual({ valid: false, reason: 'malformed_envelope' });
    expect(
      await verifier.verify('{"capability_token": "x", "nonce": "n", "issued_at": "2026-03-08T12:09:00Z"}'),
    ).toEqual({
      valid: false,
      reason: 'malformed_token',
    });
    const naive = `{"capability_token": "${token}", "nonce": "n", "issued_at": "2026-03-08T12:09:00"}`;
    expect(await verifier.verify(naive)).toEqual({ valid: false, reason: 'naive_timestamp' });
    const longNonce = `{"capability_token": "${token}", "nonce": "${'n'.repeat(257)}", "issued_at": "2026-03-08T12:09:00Z"}`;
    expect(await verifier.verify(longNonce)).toEqual({ valid: false, reason: 'malformed_envelope' });
  });

  it('a failing replay store rejects (fail closed)', async () => {
    const replay: ReplayStore = { checkAndStore: () => Promise.reject(new Error('redis down')) };
    const verifier = new CapabilityEnvelopeVerifier({
      trustedRoots: [planner],
      now: clock,
      env: {},
      replay,
    });
    expect(await verifier.verify(createCapabilityTokenEnvelope(token, {}, { now: clock }))).toEqual({
      valid: false,
      reason: 'replay_store_unavailable',
    });
  });

  it('refuses to be built without a replay store or with a bad maximum age', () => {
    expect(() => new CapabilityEnvelopeVerifier({ trustedRoots: [planner] } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(() =>
      new CapabilityEnvelopeVerifier({
        trustedRoots: [planner],
        replay: new MemoryReplayStore(),
        maxAgeSeconds: 0,
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });

  it('keeps the nonce for as long as the envelope could be accepted', async () => {
    let now = NOW_MS;
    const replay = new MemoryReplayStore({ now: () => now });
    const verifier = new CapabilityEnvelopeVerifier({
      trustedRoots: [planner],
      now: () => now,
      env: {},
      replay,
    });
    const envelope = createCapabilityTokenEnvelope(token, {}, { now: () => NOW_MS });
    expect((await verifier.verify(envelope)).valid).toBe(true);
    now = NOW_MS + 299_000;
    expect(await verifier.verify(envelope)).toEqual({ valid: false, reason: 'replayed_nonce' });
    now = NOW_MS + 301_000;
    expect(await verifier.verify(envelope)).toEqual({ valid: false, reason: 'envelope_expired' });
    expect(Timestamp.fromEpochMillis(NOW_MS).equals(envelope.issued_at)).toBe(true);
  });
});
