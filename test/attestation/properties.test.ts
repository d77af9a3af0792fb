/**
 * Property-based tests (fast-check): random results survive attest → JSON → parse → verify, and a
 * single-byte change anywhere in the result's JSON or the attestation's JSON is caught.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  AttestationReplayTracker,
  MemoryReplayStore,
  TrustHandoffError,
  canonicalOutcomeJson,
  issueAttestation,
  parseAttestation,
  parseJson,
  parseNodeOutput,
  serializeAttestation,
  serializeNodeOutput,
  verifyAttestation,
  verifyNodeOutput,
  wrapNode,
  type ExecutionAttestation,
  type JsonObject,
  type JsonValue,
} from '../support/api.js';

const worker = AgentIdentity.generate();
const NOW = 1_772_971_200_000;
const RESERVED = new Set(['packet_id', 'attestation', '__control__']);

// Any Unicode text, including control characters (escaped on the wire) and astral code points.
const text = fc.string({ unit: 'binary', maxLength: 12 });
const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;
const result: fc.Arbitrary<JsonObject> = fc
  .dictionary(text, jsonValue, { maxKeys: 6, noNullPrototype: true })
  .filter((r) => !Object.keys(r).some((k) => RESERVED.has(k)));
const status = fc.constantFrom('OK', 'ERROR', 'PARTIAL', 'REJECTED', 'TIMEOUT' as const);

function isTyped(error: unknown, code: string): boolean {
  return error instanceof TrustHandoffError && error.code === code;
}

// A change that leaves the decoded value identical is not tampering. The only such single-byte change
// in our raw-UTF-8 output is the case of a hex digit inside a `\u00XX` escape of a control character.
function isEscapeHexCase(original: number, mutated: number): boolean {
  const lower = (b: number): number => (b >= 0x41 && b <= 0x46 ? b + 0x20 : b);
  return (
    original !== mutated &&
    lower(original) === lower(mutated) &&
    lower(original) >= 0x61 &&
    lower(original) <= 0x66
  );
}

describe('properties', () => {
  it('random results survive attest → JSON → parse → verify', async () => {
    await fc.assert(
      fc.asyncProperty(
        result,
        fc.option(result, { nil: undefined }),
        status,
        text.filter((s) => s.length > 0),
        async (res, reason, st, packetId) => {
          const attestation = issueAttestation({
            packetId,
            result: res,
            signer: worker,
            status: st,
            reason: reason ?? null,
          });
          const wire = serializeNodeOutput({ result: res, attestation, reason: reason ?? null });
          const received = parseNodeOutput(wire);
          expect(canonicalOutcomeJson(received.result)).toBe(canonicalOutcomeJson(res));
          expect(received.attestation).toEqual(attestation);
          expect(serializeAttestation(parseAttestation(serializeAttestation(attestation)))).toBe(
            serializeAttestation(attestation),
          );
          const replay = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
          const verdict = await verifyNodeOutput(wire, worker.publicKeyPem, {
            replayTracker: replay,
            expectedPacketId: packetId,
            expectedStatus: st,
          });
          expect(verdict.ok).toBe(true);
          expect((await verifyNodeOutput(wire, worker.publicKeyPem, { replayTracker: replay })).ok).toBe(
            false,
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('wrapNode outputs verify for any result the node returns', async () => {
    await fc.assert(
      fc.asyncProperty(result, async (res) => {
        const node = wrapNode((_state: { packet_id: string }) => res, { identity: worker });
        const output = await node({ packet_id: 'pk-prop' });
        const replay = new AttestationReplayTracker({ replayStore: new MemoryReplayStore() });
        expect(
          (
            await verifyNodeOutput(serializeNodeOutput(output), worker.publicKeyPem, {
              replayTracker: replay,
            })
          ).ok,
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("any single-byte change to the result's JSON fails verification or parsing (typed error)", () => {
    fc.assert(
      fc.property(result, fc.nat(), fc.integer({ min: 1, max: 255 }), (res, at, delta) => {
        const attestation = issueAttestation({
          packetId: 'pk',
          result: res,
          signer: worker,
          now: () => NOW,
        });
        const bytes = Buffer.from(canonicalOutcomeJson(res), 'utf8');
        const i = at % bytes.length;
        const mutated = Buffer.from(bytes);
        mutated[i] = (bytes[i]! + delta) % 256;
        let parsed: JsonValue;
        try {
          parsed = parseJson(mutated);
        } catch (error) {
          expect(isTyped(error, 'ERR_PAYLOAD_VALIDATION')).toBe(true);
          return;
        }
        const verdict = verifyAttestation(attestation, worker.publicKeyPem, {
          result: parsed,
          now: () => NOW,
        });
        if (verdict.ok) {
          expect(isEscapeHexCase(bytes[i]!, mutated[i])).toBe(true);
          expect(canonicalOutcomeJson(parsed)).toBe(canonicalOutcomeJson(res));
        }
      }),
      { numRuns: 400 },
    );
  });

  it("any single-byte change to the attestation's JSON fails verification or parsing (typed error)", () => {
    fc.assert(
      fc.property(
        result,
        fc.option(result, { nil: undefined }),
        text.filter((s) => s.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (res, reason, packetId, at, delta) => {
          const attestation: ExecutionAttestation = issueAttestation({
            packetId,
            result: res,
            signer: worker,
            reason: reason ?? null,
            now: () => NOW,
          });
          const bytes = Buffer.from(serializeAttestation(attestation), 'utf8');
          const i = at % bytes.length;
          const mutated = Buffer.from(bytes);
          mutated[i] = (bytes[i]! + delta) % 256;
          let parsed: ExecutionAttestation;
          try {
            parsed = parseAttestation(mutated);
          } catch (error) {
            expect(isTyped(error, 'ERR_PAYLOAD_VALIDATION')).toBe(true);
            return;
          }
          const verdict = verifyAttestation(parsed, worker.publicKeyPem, {
            result: res,
            reason: reason ?? null,
            now: () => NOW,
          });
          if (verdict.ok) {
            expect(isEscapeHexCase(bytes[i]!, mutated[i])).toBe(true);
            expect(parsed).toEqual(attestation);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('every single-byte change to an attestation without escapes is caught (exhaustive over positions)', () => {
    const attestation = issueAttestation({
      packetId: 'pk-é-001',
      result: { answer: 'ok', n: 1 },
      signer: worker,
      reason: { why: 'x' },
      now: () => NOW,
    });
    const bytes = Buffer.from(serializeAttestation(attestation), 'utf8');
    let caught = 0;
    for (let i = 0; i < bytes.length; i++) {
      for (const delta of [1, 2, 7, 32, 128, 255]) {
        const mutated = Buffer.from(bytes);
        mutated[i] = (bytes[i]! + delta) % 256;
        let verdict;
        try {
          verdict = verifyAttestation(parseAttestation(mutated), worker.publicKeyPem, {
            result: { answer: 'ok', n: 1 },
            reason: { why: 'x' },
            now: () => NOW,
          });
        } catch (error) {
          expect(isTyped(error, 'ERR_PAYLOAD_VALIDATION')).toBe(true);
          caught++;
          continue;
        }
        expect(verdict.ok).toBe(false);
        caught++;
      }
    }
    expect(caught).toBe(bytes.length * 6);
  });
});
