/**
 * Issue 9.5 and the attestation events of issue 8: decimals get a field path and a named extension,
 * attestations and node outputs survive JSON-based checkpointers, named signers verify through a
 * registry, and every verification emits one event.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  CanonicalizationError,
  MemoryAgentRegistry,
  MemoryReplayStore,
  attestationToJson,
  canonicalOutcomeJson,
  issueAttestation,
  parseAttestation,
  outcomeBytes,
  parseNodeOutput,
  serializeAttestation,
  serializeNodeOutput,
  verifyAttestation,
  verifyAttestationOnce,
  verifyNodeOutput,
  wrapNode,
  type AgentRegistry,
  type AttestationSigner,
  type ExecutionAttestation,
  type JsonValue,
} from '../support/api.js';
import type { EventCatalogue, EventPort, EventType } from '../../src/events/types.js';
import { wellFormedString } from '../support/arbitraries.js';

const worker = AgentIdentity.generate();
const other = AgentIdentity.generate();
const NOW = 1_772_971_200_000;
const clock = (): number => NOW;

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function tracker(): AttestationReplayTracker {
  return new AttestationReplayTracker({ replayStore: new MemoryReplayStore({ now: clock }), now: clock });
}

/** A recording EventPort: what the attestation verifiers emitted, in order. */
class RecordingPort implements EventPort {
  readonly verifier = { agentId: 'agent:verifier', instanceId: 'test' };
  readonly events: { type: EventType; fields: unknown }[] = [];
  emit<T extends EventType>(type: T, fields: EventCatalogue[T]): void {
    this.events.push({ type, fields });
  }
  types(): EventType[] {
    return this.events.map((e) => e.type);
  }
}

describe('decimals in results (issue 9.5, SPEC §10.6)', () => {
  it('names the JSON path of a decimal in the CanonicalizationError (issue 9.5)', () => {
    const flat = thrownBy(() =>
      issueAttestation({ packetId: 'p-1', result: { celsius: 21.5 }, signer: worker, now: () => NOW }),
    );
    expect(flat).toBeInstanceOf(CanonicalizationError);
    expect((flat as CanonicalizationError).code).toBe('ERR_CANONICALIZATION');
    expect((flat as CanonicalizationError).path).toBe('$.celsius');
    const nested = thrownBy(() =>
      issueAttestation({
        packetId: 'p-1',
        result: { station: 'a', readings: [1, { 'temp (C)': 0.5 }] },
        signer: worker,
        now: () => NOW,
      }),
    );
    expect((nested as CanonicalizationError).path).toBe('$.readings[1]["temp (C)"]');
    const inReason = thrownBy(() =>
      issueAttestation({
        packetId: 'p-1',
        result: { ok: 1 },
        reason: { score: 0.25 },
        signer: worker,
        now: () => NOW,
      }),
    );
    expect((inReason as CanonicalizationError).path).toBe('$.score');
  });

  it('wrapNode rejects a decimal result with the path, unless the decimals extension is on', async () => {
    const node = (state: { packet_id: string }): { celsius: number } => ({
      celsius: 21.5 + state.packet_id.length * 0,
    });
    const plain = wrapNode(node, { identity: worker, now: clock });
    const error = await plain({ packet_id: 'p-2' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as CanonicalizationError).path).toBe('$.celsius');
    const extended = wrapNode(node, { identity: worker, now: clock, outcomeEncoding: 'decimals-v1' });
    const output = await extended({ packet_id: 'p-2' });
    const verdict = await verifyNodeOutput(output, worker.publicKeyPem, {
      replayTracker: tracker(),
      now: () => NOW,
      outcomeEncoding: 'decimals-v1',
    });
    expect(verdict.ok).toBe(true);
  });

  it('attests results with decimals under the named decimals-v1 extension, verifiable only with it (issue 9.5)', async () => {
    const result = { celsius: 21.5, tiny: 1.5e-7, big: 1e21, count: 3 };
    // The bytes a Python verifier gets from json.dumps(result, sort_keys=True, separators=(",", ":"),
    // ensure_ascii=False): repr(float) for every float. The 0.4.0 reference refuses to hash them.
    expect(outcomeBytes(result, 'result', 'decimals-v1').toString('utf8')).toBe(
      '{"big":1e+21,"celsius":21.5,"count":3,"tiny":1.5e-07}',
    );
    const attestation = issueAttestation({
      packetId: 'p-3',
      result,
      signer: worker,
      now: () => NOW,
      outcomeEncoding: 'decimals-v1',
    });
    const withExtension = { result, now: () => NOW, outcomeEncoding: 'decimals-v1' as const };
    expect(verifyAttestation(attestation, worker.publicKeyPem, withExtension).ok).toBe(true);
    // A verifier that did not opt in cannot hash the result: it refuses, never accepts.
    expect(verifyAttestation(attestation, worker.publicKeyPem, { result, now: () => NOW })).toEqual({
      ok: false,
      reason: 'invalid_result',
    });
    // Through the wire: the numbers parse back to the values that were hashed.
    const wire = serializeNodeOutput({ result, attestation }, { outcomeEncoding: 'decimals-v1' });
    expect(() => serializeNodeOutput({ result, attestation })).toThrow(CanonicalizationError);
    const verdict = await verifyNodeOutput(wire, worker.publicKeyPem, {
      replayTracker: tracker(),
      now: () => NOW,
      outcomeEncoding: 'decimals-v1',
    });
    expect(verdict.ok).toBe(true);
  });

  it('decimals-v1 never changes the bytes of results without decimals (property)', () => {
    const integerOnly: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.maxSafeInteger(),
        fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
        fc.constantFrom(-0, 2 ** 60, 1e20),
        wellFormedString,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(wellFormedString, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(wellFormedString, integerOnly, { maxKeys: 6 }), (value) => {
        expect(canonicalOutcomeJson(value, 'decimals-v1')).toBe(canonicalOutcomeJson(value));
      }),
      { numRuns: 400 },
    );
  });

  it('results with any doubles survive create → serialize → parse → verify under decimals-v1 (property)', async () => {
    const withDoubles: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(5e-324, 1e-7, 1.5e300, 0.1, 1e21, -0, 1e16),
        fc.integer(),
        wellFormedString,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(wellFormedString, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const store = new AttestationReplayTracker({
      replayStore: new MemoryReplayStore({ now: clock }),
      now: clock,
    });
    await fc.assert(
      fc.asyncProperty(
        fc
          .dictionary(wellFormedString, withDoubles, { maxKeys: 5 })
          .filter((r) => !['packet_id', 'attestation', '__control__'].some((k) => Object.hasOwn(r, k))),
        async (result) => {
          const attestation = issueAttestation({
            packetId: 'p-prop',
            result,
            signer: worker,
            now: () => NOW,
            outcomeEncoding: 'decimals-v1',
          });
          const wire = serializeNodeOutput({ result, attestation }, { outcomeEncoding: 'decimals-v1' });
          const verdict = await verifyNodeOutput(wire, worker.publicKeyPem, {
            replayTracker: store,
            now: () => NOW,
            outcomeEncoding: 'decimals-v1',
          });
          expect(verdict.ok).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('a JSON form that survives checkpointers (issue 9.5)', () => {
  const MAX_NONCE = 2n ** 128n - 1n;

  it('an attestation survives JSON.stringify → JSON.parse → the library parse (issue 9.5)', () => {
    const result = { answer: 42 };
    const attestation = issueAttestation({
      packetId: 'p-json',
      result,
      signer: worker,
      now: () => NOW,
      nonce: MAX_NONCE,
    });
    const text = JSON.stringify(attestation);
    const plain = JSON.parse(text) as Record<string, unknown>;
    expect(plain['nonce']).toBe(MAX_NONCE.toString());
    expect(plain).toEqual(attestationToJson(attestation));
    // Field order and fields are the wire's; nothing else (toJSON is not a field).
    expect(Object.keys(plain)).toEqual(Object.keys(JSON.parse(serializeAttestation(attestation)) as object));
    for (const back of [parseAttestation(plain), parseAttestation(text)]) {
      expect(back).toEqual(attestation);
      expect(back.nonce).toBe(MAX_NONCE);
      expect(verifyAttestation(back, worker.publicKeyPem, { result, now: () => NOW }).ok).toBe(true);
      // Parsed attestations carry the JSON form too: a second checkpoint round works.
      expect(JSON.parse(JSON.stringify(back))).toEqual(plain);
    }
    // The reference's wire form still carries a bare integer nonce.
    expect(serializeAttestation(attestation)).toContain(`"nonce":${MAX_NONCE}`);
    // A nonce string that is not a canonical unsigned 128-bit decimal is refused.
    for (const nonce of [
      '-1',
      '01',
      '1e5',
      ' 1',
      MAX_NONCE.toString() + '0',
      (MAX_NONCE + 1n).toString(),
      '',
    ]) {
      expect(() => parseAttestation({ ...plain, nonce })).toThrow();
    }
  });

  it('a node output survives a LangGraph-style checkpoint: JSON round trip and structuredClone (issue 9.5)', async () => {
    const node = wrapNode(
      (state: { packet_id: string; city: string }) => Promise.resolve({ city: state.city, celsius: 21 }),
      { identity: worker, now: clock },
    );
    const output = await node({ packet_id: 'p-graph', city: 'Oslo' });
    // What a JSON checkpointer does to the graph state between steps.
    const state = { packet_id: 'p-graph', messages: ['hi'], output };
    const restored = JSON.parse(JSON.stringify(state)) as { output: unknown };
    const cloned = structuredClone(state);
    const store = new AttestationReplayTracker({
      replayStore: new MemoryReplayStore({ now: clock }),
      now: clock,
    });
    const first = await verifyNodeOutput(restored.output, worker.publicKeyPem, {
      replayTracker: store,
      now: () => NOW,
    });
    expect(first.ok).toBe(true);
    // The clone is the same attestation: refused as a replay, which proves it verified up to there.
    const second = await verifyNodeOutput(cloned.output, worker.publicKeyPem, {
      replayTracker: store,
      now: () => NOW,
    });
    expect(second).toEqual({ ok: false, reason: 'attestation_replayed' });
    const fresh = await verifyNodeOutput(structuredClone(output), worker.publicKeyPem, {
      replayTracker: new AttestationReplayTracker({ replayStore: new MemoryReplayStore({ now: clock }) }),
      now: () => NOW,
    });
    expect(fresh.ok).toBe(true);
    // The text form parses directly too.
    const parsed = parseNodeOutput(JSON.stringify(output));
    expect(parsed.attestation).toEqual(output.attestation);
    // A cloned attestation verifies on its own.
    expect(
      verifyAttestation(structuredClone(output.attestation), worker.publicKeyPem, {
        result: output.result,
        now: () => NOW,
      }).ok,
    ).toBe(true);
  });
});

describe('named signers bound through a registry (issue 9.5, SPEC §10.5)', () => {
  /** The worker's key, under a registered name instead of its key-derived id. */
  const named: AttestationSigner = {
    agentId: 'agent:weather-worker',
    fingerprint: worker.fingerprint,
    sign: (bytes) => worker.sign(bytes),
  };
  const result = { forecast: 'rain' };

  function attest(signer: AttestationSigner = named): ExecutionAttestation {
    return issueAttestation({ packetId: 'p-named', result, signer, now: () => NOW });
  }

  it('verifies a named signed_by whose registered key is the attestation key (issue 9.5)', async () => {
    const registry = new MemoryAgentRegistry();
    await registry.register('agent:weather-worker', worker.publicKeyPem);
    const attestation = attest();
    // Without a registry nothing binds the name: refused, as before.
    expect(verifyAttestation(attestation, worker.publicKeyPem, { result, now: () => NOW })).toEqual({
      ok: false,
      reason: 'signer_mismatch',
    });
    const verdict = await verifyAttestation(attestation, worker.publicKeyPem, {
      result,
      now: () => NOW,
      registry,
    });
    expect(verdict.ok).toBe(true);
    // The key-derived id needs no registration, with or without a registry.
    expect(
      (await verifyAttestation(attest(worker), worker.publicKeyPem, { result, now: () => NOW, registry })).ok,
    ).toBe(true);
    // Through the replay-tracking verifiers too.
    expect(
      (
        await verifyAttestationOnce(attestation, worker.publicKeyPem, {
          result,
          now: () => NOW,
          registry,
          replayTracker: tracker(),
        })
      ).ok,
    ).toBe(true);
    const output = { result, attestation };
    expect(
      (
        await verifyNodeOutput(output, worker.publicKeyPem, {
          replayTracker: tracker(),
          now: () => NOW,
          registry,
        })
      ).ok,
    ).toBe(true);
  });

  it('refuses a name bound to another key, an unknown name, a revoked signer, and fails closed', async () => {
    const attestation = attest();
    const check = (registry: AgentRegistry): Promise<unknown> =>
      verifyAttestation(attestation, worker.publicKeyPem, { result, now: () => NOW, registry });
    const otherKey = new MemoryAgentRegistry();
    await otherKey.register('agent:weather-worker', other.publicKeyPem);
    expect(await check(otherKey)).toEqual({ ok: false, reason: 'signer_mismatch' });
    expect(await check(new MemoryAgentRegistry())).toEqual({ ok: false, reason: 'signer_mismatch' });
    const revoked = new MemoryAgentRegistry();
    await revoked.register('agent:weather-worker', worker.publicKeyPem);
    await revoked.revoke('agent:weather-worker');
    expect(await check(revoked)).toEqual({ ok: false, reason: 'signer_revoked' });
    const down: AgentRegistry = {
      register: () => Promise.reject(new Error('down')),
      resolve: () => Promise.reject(new Error('down')),
      isRegistered: () => Promise.reject(new Error('down')),
      revoke: () => Promise.reject(new Error('down')),
      isRevoked: () => Promise.reject(new Error('down')),
    };
    expect(await check(down)).toEqual({ ok: false, reason: 'registry_unavailable' });
    // A forged signature never reaches the registry.
    let lookups = 0;
    const counting = new MemoryAgentRegistry();
    await counting.register('agent:weather-worker', worker.publicKeyPem);
    const spy: AgentRegistry = {
      register: (id, pem) => counting.register(id, pem),
      resolve: (id) => (lookups++, counting.resolve(id)),
      isRegistered: (id) => counting.isRegistered(id),
      revoke: (id) => counting.revoke(id),
      isRevoked: (id) => (lookups++, counting.isRevoked(id)),
    };
    const forged = {
      ...attestation,
      signature: attest().signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
    };
    expect(
      await verifyAttestation(forged, worker.publicKeyPem, { result, now: () => NOW, registry: spy }),
    ).toEqual({
      ok: false,
      reason: 'invalid_signature',
    });
    expect(lookups).toBe(0);
  });
});

describe('attestation events (issue 8)', () => {
  const result = { ok: 1 };

  it('verifyAttestation emits attestation_verified and attestation_rejected with their fields', () => {
    const port = new RecordingPort();
    const attestation = issueAttestation({ packetId: 'p-ev', result, signer: worker, now: () => NOW });
    verifyAttestation(attestation, worker.publicKeyPem, { result, now: () => NOW, events: port });
    verifyAttestation(attestation, worker.publicKeyPem, { result: { ok: 2 }, now: () => NOW, events: port });
    verifyAttestation({ junk: true } as unknown as ExecutionAttestation, worker.publicKeyPem, {
      result,
      now: () => NOW,
      events: port,
    });
    expect(port.events).toEqual([
      {
        type: 'attestation_verified',
        fields: {
          packet_id: 'p-ev',
          signed_by: worker.agentId,
          status: 'OK',
          outcome_hash: attestation.outcome_hash,
        },
      },
      {
        type: 'attestation_rejected',
        fields: { packet_id: 'p-ev', signed_by: worker.agentId, reason: 'outcome_hash_mismatch' },
      },
      {
        type: 'attestation_rejected',
        fields: { packet_id: null, signed_by: null, reason: 'malformed_attestation' },
      },
    ]);
  });

  it('verifyAttestationOnce and verifyNodeOutput emit exactly one event per call, replays included', async () => {
    const port = new RecordingPort();
    const replay = tracker();
    const attestation = issueAttestation({ packetId: 'p-once', result, signer: worker, now: () => NOW });
    await verifyAttestationOnce(attestation, worker.publicKeyPem, {
      result,
      now: () => NOW,
      replayTracker: replay,
      events: port,
    });
    await verifyAttestationOnce(attestation, worker.publicKeyPem, {
      result,
      now: () => NOW,
      replayTracker: replay,
      events: port,
    });
    expect(port.types()).toEqual(['attestation_verified', 'attestation_rejected']);
    expect(port.events[1]!.fields).toMatchObject({ packet_id: 'p-once', reason: 'attestation_replayed' });

    const nodePort = new RecordingPort();
    const output = await wrapNode((_state: { packet_id: string }) => result, {
      identity: worker,
      now: clock,
    })({
      packet_id: 'p-node',
    });
    const nodeReplay = tracker();
    await verifyNodeOutput(output, worker.publicKeyPem, {
      replayTracker: nodeReplay,
      now: () => NOW,
      events: nodePort,
    });
    await verifyNodeOutput(output, worker.publicKeyPem, {
      replayTracker: nodeReplay,
      now: () => NOW,
      events: nodePort,
    });
    await verifyNodeOutput('{"not":"an output"', worker.publicKeyPem, {
      replayTracker: nodeReplay,
      events: nodePort,
    });
    await verifyNodeOutput({ ...output, result: { ok: 3 } }, worker.publicKeyPem, {
      replayTracker: nodeReplay,
      now: () => NOW,
      events: nodePort,
    });
    expect(nodePort.events.map((e) => [e.type, (e.fields as { reason?: string }).reason])).toEqual([
      ['attestation_verified', undefined],
      ['attestation_rejected', 'attestation_replayed'],
      ['attestation_rejected', 'malformed_output'],
      ['attestation_rejected', 'outcome_hash_mismatch'],
    ]);
    expect(nodePort.events[2]!.fields).toEqual({
      packet_id: null,
      signed_by: null,
      reason: 'malformed_output',
    });
  });

  it('a port that throws never changes the verdict', async () => {
    const throwing: EventPort = {
      verifier: { agentId: 'agent:verifier', instanceId: 'test' },
      emit: () => {
        throw new Error('sink down');
      },
    };
    const attestation = issueAttestation({ packetId: 'p-throw', result, signer: worker, now: () => NOW });
    expect(
      verifyAttestation(attestation, worker.publicKeyPem, { result, now: () => NOW, events: throwing }).ok,
    ).toBe(true);
    const verdict = await verifyAttestationOnce(attestation, worker.publicKeyPem, {
      result: { ok: 9 },
      now: () => NOW,
      replayTracker: tracker(),
      events: throwing,
    });
    expect(verdict).toEqual({ ok: false, reason: 'outcome_hash_mismatch' });
  });
});
