/**
 * Attacks on execution attestations, each named after what it stops. Verification is checked through
 * the stateless verifier and through the replay-tracking one.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  MemoryReplayStore,
  StoreUnavailableError,
  issueAttestation,
  parseAttestation,
  serializeAttestation,
  verifyAttestation,
  verifyAttestationOnce,
  type AttestationSigner,
  type ExecutionAttestation,
  type ReplayStore,
} from '../support/api.js';

const worker = AgentIdentity.generate();
const intruder = AgentIdentity.generate();
const NOW = 1_772_971_200_000;
const result = { answer: 'Transfer approved', amount: 5000, currency: 'USD' };

function attest(overrides: Partial<Parameters<typeof issueAttestation>[0]> = {}): ExecutionAttestation {
  return issueAttestation({ packetId: 'pk-1', result, signer: worker, now: () => NOW, ...overrides });
}

function tracker(): AttestationReplayTracker {
  return new AttestationReplayTracker({ replayStore: new MemoryReplayStore(), now: () => NOW });
}

describe('baseline', () => {
  it('a genuine attestation verifies, with and without replay tracking', async () => {
    const a = attest();
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW }).ok).toBe(true);
    const verdict = await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: tracker() });
    expect(verdict.ok).toBe(true);
  });

  it('verifies against an expected outcome hash instead of the result', () => {
    const a = attest();
    expect(
      verifyAttestation(a, worker.publicKeyPem, { expectedOutcomeHash: a.outcome_hash, now: () => NOW }).ok,
    ).toBe(true);
  });
});

describe('tampered result', () => {
  it('a changed value is rejected (outcome_hash_mismatch)', () => {
    const verdict = verifyAttestation(attest(), worker.publicKeyPem, {
      result: { ...result, amount: 50000 },
      now: () => NOW,
    });
    expect(verdict).toEqual({ ok: false, reason: 'outcome_hash_mismatch' });
  });

  it('an added key is rejected', () => {
    const verdict = verifyAttestation(attest(), worker.publicKeyPem, {
      result: { ...result, extra: 1 },
      now: () => NOW,
    });
    expect(verdict).toEqual({ ok: false, reason: 'outcome_hash_mismatch' });
  });

  it('a rewritten outcome_hash with the matching result is rejected by the signature', () => {
    const forged = {
      ...attest(),
      outcome_hash: issueAttestation({ packetId: 'x', result: { a: 1 }, signer: worker }).outcome_hash,
    };
    const verdict = verifyAttestation(forged, worker.publicKeyPem, { result: { a: 1 }, now: () => NOW });
    expect(verdict).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('a result the verifier cannot hash (float) is rejected, not thrown', () => {
    const verdict = verifyAttestation(attest(), worker.publicKeyPem, {
      result: { ...result, amount: 0.5 },
      now: () => NOW,
    });
    expect(verdict).toEqual({ ok: false, reason: 'invalid_result' });
  });

  it('a dropped reason is rejected (reason_hash_mismatch)', () => {
    const a = attest({ status: 'ERROR', reason: { node_error: true } });
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW })).toEqual({
      ok: false,
      reason: 'reason_hash_mismatch',
    });
    expect(
      verifyAttestation(a, worker.publicKeyPem, { result, reason: { node_error: false }, now: () => NOW }),
    ).toEqual({
      ok: false,
      reason: 'reason_hash_mismatch',
    });
    expect(
      verifyAttestation(a, worker.publicKeyPem, { result, reason: { node_error: true }, now: () => NOW }).ok,
    ).toBe(true);
  });

  it('a reason added to a reasonless attestation is rejected', () => {
    expect(
      verifyAttestation(attest(), worker.publicKeyPem, { result, reason: { why: 'x' }, now: () => NOW }),
    ).toEqual({
      ok: false,
      reason: 'reason_hash_mismatch',
    });
  });
});

describe('replayed attestation', () => {
  it('is accepted once and rejected the second time (memory store)', async () => {
    const replay = tracker();
    const a = attest();
    expect((await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: replay })).ok).toBe(
      true,
    );
    expect(await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: replay })).toEqual({
      ok: false,
      reason: 'attestation_replayed',
    });
    // The same attestation re-parsed from its wire form is the same (fingerprint, nonce).
    const again = parseAttestation(serializeAttestation(a));
    expect(
      (await verifyAttestationOnce(again, worker.publicKeyPem, { result, replayTracker: replay })).ok,
    ).toBe(false);
  });

  it('concurrent presentations: exactly one is accepted', async () => {
    const replay = tracker();
    const a = attest();
    const verdicts = await Promise.all(
      Array.from({ length: 20 }, () =>
        verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: replay }),
      ),
    );
    expect(verdicts.filter((v) => v.ok)).toHaveLength(1);
  });

  it('a forged attestation does not burn the nonce of the genuine one (verify before remember)', async () => {
    const replay = tracker();
    const genuine = attest();
    const forgery = { ...genuine, outcome_hash: '0'.repeat(64) };
    const forged = await verifyAttestationOnce(forgery, worker.publicKeyPem, {
      expectedOutcomeHash: '0'.repeat(64),
      replayTracker: replay,
    });
    expect(forged).toEqual({ ok: false, reason: 'invalid_signature' });
    expect(
      (await verifyAttestationOnce(genuine, worker.publicKeyPem, { result, replayTracker: replay })).ok,
    ).toBe(true);
  });

  it('the tracker keys on (fingerprint, nonce): the same nonce from another signer is a different entry', async () => {
    const replay = tracker();
    const nonce = 42n;
    const mine = attest({ nonce });
    const theirs = issueAttestation({ packetId: 'pk-1', result, signer: intruder, now: () => NOW, nonce });
    expect(
      (await verifyAttestationOnce(mine, worker.publicKeyPem, { result, replayTracker: replay })).ok,
    ).toBe(true);
    expect(
      (await verifyAttestationOnce(theirs, intruder.publicKeyPem, { result, replayTracker: replay })).ok,
    ).toBe(true);
  });

  it('entries are forgotten after the freshness window (and the attestation is stale by then)', async () => {
    let now = NOW;
    const store = new MemoryReplayStore({ now: () => now });
    const replay = new AttestationReplayTracker({ replayStore: store, now: () => now, maxAgeSeconds: 1 });
    const a = attest();
    expect((await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: replay })).ok).toBe(
      true,
    );
    now = NOW + 1000 + 30_000 + 1;
    expect(await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: replay })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
    // The store slot expired: a fresh check-and-store of the same key succeeds.
    expect(await store.checkAndStore(replay.keyFor(a), 1)).toBe(true);
  });

  it('a failing replay store fails closed (replay_store_unavailable)', async () => {
    const broken: ReplayStore = {
      checkAndStore: () => Promise.reject(new StoreUnavailableError('down')),
    };
    expect(
      await verifyAttestationOnce(attest(), worker.publicKeyPem, {
        result,
        replayTracker: new AttestationReplayTracker({ replayStore: broken }),
        now: () => NOW,
      }),
    ).toEqual({
      ok: false,
      reason: 'replay_store_unavailable',
    });
    const buggy: ReplayStore = { checkAndStore: () => Promise.reject(new TypeError('bug')) };
    expect(
      await verifyAttestationOnce(attest(), worker.publicKeyPem, {
        result,
        replayTracker: new AttestationReplayTracker({ replayStore: buggy }),
        now: () => NOW,
      }),
    ).toEqual({
      ok: false,
      reason: 'replay_store_unavailable',
    });
  });
});

describe('attestation for another packet or status than expected', () => {
  it('another packet id is rejected (packet_id_mismatch)', () => {
    const verdict = verifyAttestation(attest({ packetId: 'pk-other' }), worker.publicKeyPem, {
      result,
      expectedPacketId: 'pk-1',
      now: () => NOW,
    });
    expect(verdict).toEqual({ ok: false, reason: 'packet_id_mismatch' });
  });

  it('a rewritten packet id is rejected by the signature', () => {
    const verdict = verifyAttestation(
      { ...attest({ packetId: 'pk-other' }), packet_id: 'pk-1' },
      worker.publicKeyPem,
      {
        result,
        expectedPacketId: 'pk-1',
        now: () => NOW,
      },
    );
    expect(verdict).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('another status is rejected (status_mismatch), a list of statuses is honoured', () => {
    const partial = attest({ status: 'PARTIAL' });
    expect(
      verifyAttestation(partial, worker.publicKeyPem, { result, expectedStatus: 'OK', now: () => NOW }),
    ).toEqual({
      ok: false,
      reason: 'status_mismatch',
    });
    expect(
      verifyAttestation(partial, worker.publicKeyPem, {
        result,
        expectedStatus: ['OK', 'PARTIAL'],
        now: () => NOW,
      }).ok,
    ).toBe(true);
  });

  it('a rewritten status is rejected by the signature', () => {
    const verdict = verifyAttestation({ ...attest({ status: 'ERROR' }), status: 'OK' }, worker.publicKeyPem, {
      result,
      expectedStatus: 'OK',
      now: () => NOW,
    });
    expect(verdict).toEqual({ ok: false, reason: 'invalid_signature' });
  });
});

describe('attestation from another key', () => {
  it('signed by another agent: fingerprint does not match the expected key', () => {
    const foreign = issueAttestation({ packetId: 'pk-1', result, signer: intruder, now: () => NOW });
    expect(verifyAttestation(foreign, worker.publicKeyPem, { result, now: () => NOW })).toEqual({
      ok: false,
      reason: 'fingerprint_mismatch',
    });
  });

  it('signed by another agent that claims the worker fingerprint and id: signature fails', () => {
    const claiming: AttestationSigner = {
      fingerprint: worker.fingerprint,
      agentId: worker.agentId,
      sign: (bytes: Uint8Array) => intruder.sign(bytes),
    };
    const forged = issueAttestation({ packetId: 'pk-1', result, signer: claiming, now: () => NOW });
    expect(verifyAttestation(forged, worker.publicKeyPem, { result, now: () => NOW })).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });

  it('signed_by rewritten to another agent (it is not in the signed bytes) is rejected', () => {
    const relabelled = { ...attest(), signed_by: intruder.agentId };
    expect(verifyAttestation(relabelled, worker.publicKeyPem, { result, now: () => NOW })).toEqual({
      ok: false,
      reason: 'signer_mismatch',
    });
  });

  it('a signature moved to another attestation is rejected', () => {
    const a = attest();
    const b = attest({ result: { other: true } });
    expect(
      verifyAttestation({ ...b, signature: a.signature }, worker.publicKeyPem, {
        result: { other: true },
        now: () => NOW,
      }),
    ).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
  });
});

describe('stale and future timestamps', () => {
  it('older than maxAge is rejected (timestamp_too_old); the boundary is accepted', () => {
    const a = attest();
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW + 300_000 }).ok).toBe(true);
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW + 300_001 })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(
      verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW + 11_000, maxAgeSeconds: 10 }),
    ).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('more than 30 s in the future is rejected (timestamp_in_future); 30 s is accepted', () => {
    const a = attest();
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW - 30_000 }).ok).toBe(true);
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW - 30_001 })).toEqual({
      ok: false,
      reason: 'timestamp_in_future',
    });
  });

  it('the replay-tracking verifier applies the tracker window', async () => {
    const replay = new AttestationReplayTracker({
      replayStore: new MemoryReplayStore(),
      maxAgeSeconds: 5,
      now: () => NOW + 6000,
    });
    expect(
      await verifyAttestationOnce(attest(), worker.publicKeyPem, { result, replayTracker: replay }),
    ).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });
});

describe('float in a result', () => {
  it('creating an attestation over a float is refused with CanonicalizationError', () => {
    expect(() => attest({ result: { score: 0.5 } })).toThrow(
      expect.objectContaining({ code: 'ERR_CANONICALIZATION' }),
    );
    expect(() => attest({ result: { nested: [{ score: 1.5 }] } })).toThrow(
      expect.objectContaining({ code: 'ERR_CANONICALIZATION' }),
    );
    expect(() => attest({ reason: { score: Number.NaN } })).toThrow(
      expect.objectContaining({ code: 'ERR_CANONICALIZATION' }),
    );
  });

  it('a float arriving on the wire (1.0) is refused when verifying', async () => {
    const { parseJson, JsonFloat } = await import('../support/api.js');
    const received = parseJson('{"answer":"Transfer approved","amount":5000.0,"currency":"USD"}');
    expect((received as Record<string, unknown>)['amount']).toBeInstanceOf(JsonFloat);
    expect(verifyAttestation(attest(), worker.publicKeyPem, { result: received, now: () => NOW })).toEqual({
      ok: false,
      reason: 'invalid_result',
    });
  });
});

describe('malformed input never crashes the verifier', () => {
  const cases: [string, unknown][] = [
    ['null', null],
    ['a string', 'attestation'],
    ['an extra field', { ...attest(), extra: 1 }],
    ['a number nonce beyond 2^53 lost by JSON.parse', { ...attest(), nonce: 1e30 }],
    ['a negative nonce', { ...attest(), nonce: -1n }],
    ['a 129-bit nonce', { ...attest(), nonce: 1n << 128n }],
    ['a string timestamp', { ...attest(), timestamp_ms: String(NOW) }],
    ['an unknown status', { ...attest(), status: 'DONE' }],
    ['an uppercase hash', { ...attest(), outcome_hash: attest().outcome_hash.toUpperCase() }],
    ['a padded signature', { ...attest(), signature: `${attest().signature}==` }],
    ['a short signature', { ...attest(), signature: 'AAAA' }],
  ];
  for (const [name, value] of cases) {
    it(`${name} → malformed_attestation`, () => {
      expect(
        verifyAttestation(value as ExecutionAttestation, worker.publicKeyPem, { result, now: () => NOW }),
      ).toEqual({
        ok: false,
        reason: 'malformed_attestation',
      });
    });
  }

  it('a non-canonical base64url signature (last character with spare bits set) is invalid_signature', () => {
    const a = attest();
    const last = a.signature.at(-1)!;
    // 64 bytes leave 4 spare bits in the last character; a character with any of them set is not canonical.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const bumped = alphabet[(alphabet.indexOf(last) & ~0xf) | ((alphabet.indexOf(last) + 1) & 0xf)]!;
    const verdict = verifyAttestation(
      { ...a, signature: a.signature.slice(0, -1) + bumped },
      worker.publicKeyPem,
      {
        result,
        now: () => NOW,
      },
    );
    expect(verdict).toEqual({ ok: false, reason: 'invalid_signature' });
  });

  it('verifier misconfiguration throws typed errors', () => {
    const a = attest();
    expect(() => verifyAttestation(a, worker.publicKeyPem, { now: () => NOW })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(() =>
      verifyAttestation(a, worker.publicKeyPem, { result, expectedOutcomeHash: a.outcome_hash }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    expect(() => verifyAttestation(a, 'not a key', { result })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_KEY' }),
    );
    expect(() => verifyAttestation(a, worker.publicKeyPem, { result, maxAgeSeconds: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
    expect(() => new AttestationReplayTracker({ replayStore: {} as ReplayStore })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});
