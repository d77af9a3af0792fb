/**
 * The attestation API in the project vocabulary: `{ok}` verdicts, `now` clocks, `maxAgeSeconds`,
 * one `replayTracker` type, `replayStore` on the tracker, and `parse*` reading objects exactly once.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  ATTESTATION_FUTURE_SKEW_SECONDS,
  AttestationReplayTracker,
  DEFAULT_ATTESTATION_MAX_AGE_SECONDS,
  MemoryReplayStore,
  issueAttestation,
  parseAttestation,
  parseNodeOutput,
  serializeNodeOutput,
  verifyAttestation,
  verifyAttestationOnce,
  verifyNodeOutput,
  wrapNode,
  type ReplayStore,
} from '../support/api.js';

const NOW = 1_772_971_200_000;
const worker = AgentIdentity.generate();
const result = { answer: 42 };
const attest = (at = NOW): ReturnType<typeof issueAttestation> =>
  issueAttestation({ packetId: 'pk-api', result, signer: worker, now: () => at });
const tracker = (): AttestationReplayTracker =>
  new AttestationReplayTracker({ replayStore: new MemoryReplayStore(), now: () => NOW });

describe('verdicts', () => {
  it('are frozen { ok: true, attestation } / { ok: false, reason }, with no `valid`', async () => {
    const a = attest();
    const good = verifyAttestation(a, worker.publicKeyPem, { result, now: () => NOW });
    expect(good).toEqual({ ok: true, attestation: a });
    expect(Object.isFrozen(good)).toBe(true);
    expect('valid' in good).toBe(false);
    const bad = verifyAttestation(a, worker.publicKeyPem, { result: { answer: 43 }, now: () => NOW });
    expect(bad).toEqual({ ok: false, reason: 'outcome_hash_mismatch' });
    expect(Object.isFrozen(bad)).toBe(true);
    const once = await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: tracker() });
    expect(once).toEqual({ ok: true, attestation: a });
    const wire = serializeNodeOutput({ result, attestation: a });
    const output = await verifyNodeOutput(wire, worker.publicKeyPem, { replayTracker: tracker() });
    expect(output).toEqual({ ok: true, output: parseNodeOutput(wire) });
    expect(Object.isFrozen(output)).toBe(true);
  });
});

describe('clocks and ages', () => {
  it('the constants are protocol seconds: 300 s maximum age, 30 s future skew', () => {
    expect(DEFAULT_ATTESTATION_MAX_AGE_SECONDS).toBe(300);
    expect(ATTESTATION_FUTURE_SKEW_SECONDS).toBe(30);
    const a = attest();
    const at = (ms: number): string | true => {
      const v = verifyAttestation(a, worker.publicKeyPem, { result, now: () => ms });
      return v.ok || v.reason;
    };
    expect(at(NOW + DEFAULT_ATTESTATION_MAX_AGE_SECONDS * 1000)).toBe(true);
    expect(at(NOW + DEFAULT_ATTESTATION_MAX_AGE_SECONDS * 1000 + 1)).toBe('timestamp_too_old');
    expect(at(NOW - ATTESTATION_FUTURE_SKEW_SECONDS * 1000)).toBe(true);
    expect(at(NOW - ATTESTATION_FUTURE_SKEW_SECONDS * 1000 - 1)).toBe('timestamp_in_future');
  });

  it('maxAgeSeconds counts seconds; now is a clock function read once per verification', () => {
    const a = attest(NOW - 301_000);
    let reads = 0;
    const now = (): number => {
      reads++;
      return NOW;
    };
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(reads).toBe(1);
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now, maxAgeSeconds: 302 }).ok).toBe(true);
    expect(verifyAttestation(a, worker.publicKeyPem, { result, now, maxAgeSeconds: 300 }).ok).toBe(false);
  });

  it('issueAttestation takes its timestamp from now()', () => {
    expect(attest(NOW + 5).timestamp_ms).toBe(NOW + 5);
    expect(() => issueAttestation({ packetId: 'p', result, signer: worker, now: () => 1.5 })).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
  });

  it('a now that is not a function, or a negative maxAgeSeconds, is a configuration error', async () => {
    const a = attest();
    const config: unknown = expect.objectContaining({ code: 'ERR_CONFIGURATION' });
    expect(() => verifyAttestation(a, worker.publicKeyPem, { result, now: NOW as never })).toThrow(config);
    expect(() => verifyAttestation(a, worker.publicKeyPem, { result, maxAgeSeconds: -1 })).toThrow(config);
    expect(() => issueAttestation({ packetId: 'p', result, signer: worker, now: NOW as never })).toThrow(
      config,
    );
    await expect(
      verifyAttestationOnce(a, worker.publicKeyPem, {
        result,
        replayTracker: tracker(),
        now: NOW as never,
      }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
  });
});

describe('AttestationReplayTracker and replayTracker', () => {
  it('takes replayStore and maxAgeSeconds; an entry lives until the attestation can no longer be fresh', async () => {
    const ttls: number[] = [];
    const replayStore: ReplayStore = {
      checkAndStore: (_key: string, ttlMs: number) => {
        ttls.push(ttlMs);
        return Promise.resolve(true);
      },
    };
    const t = new AttestationReplayTracker({ replayStore, maxAgeSeconds: 60, now: () => NOW });
    expect(t.replayStore).toBe(replayStore);
    expect(t.maxAgeSeconds).toBe(60);
    const a = attest(NOW - 10_000);
    expect((await verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: t })).ok).toBe(true);
    // timestamp + 60 s + 30 s skew − now
    expect(ttls).toEqual([-10_000 + 60_000 + 30_000]);
    // The tracker's window is the verifier's: 61 s old is too old here.
    const old = attest(NOW - 61_000);
    expect(await verifyAttestationOnce(old, worker.publicKeyPem, { result, replayTracker: t })).toEqual({
      ok: false,
      reason: 'timestamp_too_old',
    });
  });

  it('the old option names and a bare ReplayStore are refused at configuration', async () => {
    const store = new MemoryReplayStore();
    const config: unknown = expect.objectContaining({ code: 'ERR_CONFIGURATION' });
    expect(() => new AttestationReplayTracker({ store } as never)).toThrow(config);
    expect(() => new AttestationReplayTracker({ replayStore: store, maxAgeSeconds: Number.NaN })).toThrow(
      config,
    );
    const a = attest();
    await expect(
      verifyAttestationOnce(a, worker.publicKeyPem, { result, replayTracker: store as never }),
    ).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
    await expect(
      verifyAttestationOnce(a, worker.publicKeyPem, { result, replay: tracker() } as never),
    ).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
  });
});

describe('parseAttestation / parseNodeOutput read an object exactly once', () => {
  it('the JSON form, a clone and the attestation itself parse; text, bytes and objects give equal attestations', () => {
    const a = attest();
    const json: unknown = JSON.parse(JSON.stringify(a));
    expect(parseAttestation(json as object)).toEqual(a);
    expect(parseAttestation(structuredClone(a))).toEqual(a);
    expect(parseAttestation(a)).toBe(a);
    const wire = serializeNodeOutput({ result, attestation: a });
    expect(parseAttestation(JSON.stringify(a))).toEqual(a);
    expect(parseNodeOutput(Buffer.from(wire))).toEqual(parseNodeOutput(wire));
    expect(parseNodeOutput(JSON.parse(JSON.stringify({ result, attestation: a })) as object)).toEqual(
      parseNodeOutput(wire),
    );
  });

  it('a Proxy is read through its descriptors once, never through get; accessors are refused unread', () => {
    const a = attest();
    const json = JSON.parse(JSON.stringify(a)) as Record<string, unknown>;
    const reads = new Map<string | symbol, number>();
    let gets = 0;
    const proxy = new Proxy(json, {
      get(target, key, receiver) {
        gets++;
        return Reflect.get(target, key, receiver) as unknown;
      },
      getOwnPropertyDescriptor(target, key) {
        reads.set(key, (reads.get(key) ?? 0) + 1);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    expect(parseAttestation(proxy)).toEqual(a);
    expect(gets).toBe(0);
    expect(Math.max(...reads.values())).toBe(1);

    let calls = 0;
    const shifty = { ...json };
    Object.defineProperty(shifty, 'signature', {
      enumerable: true,
      get: () => {
        calls++;
        return a.signature;
      },
    });
    expect(() => parseAttestation(shifty)).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
    expect(calls).toBe(0);
  });

  it('a node output whose result changes between reads is malformed_output, its getter never called', async () => {
    const node = wrapNode((_s: { packet_id: string }) => ({ pay: 'Alice' }), { identity: worker });
    const output = await node({ packet_id: 'pk-shifty' });
    let calls = 0;
    const shifty = { attestation: output.attestation } as Record<string, unknown>;
    Object.defineProperty(shifty, 'result', {
      enumerable: true,
      get: () => (++calls === 1 ? { pay: 'Alice' } : { pay: 'Mallory' }),
    });
    expect(await verifyNodeOutput(shifty, worker.publicKeyPem, { replayTracker: tracker() })).toEqual({
      ok: false,
      reason: 'malformed_output',
    });
    expect(calls).toBe(0);
    // The frozen output the node returned (stamped by the real clock) verifies as it is.
    const live = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
    expect((await verifyNodeOutput(output, worker.publicKeyPem, { replayTracker: live })).ok).toBe(true);
  });

  it('an attestation given as JSON text inside an output object is not parsed again', async () => {
    const a = attest();
    const nested = { result, attestation: JSON.stringify(a) };
    expect(() => parseNodeOutput(nested)).toThrow(
      expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }),
    );
    expect(await verifyNodeOutput(nested, worker.publicKeyPem, { replayTracker: tracker() })).toEqual({
      ok: false,
      reason: 'malformed_output',
    });
  });
});
