/**
 * Issue 9.4 for attestations: whatever `issueAttestation` signs from valid input, `verifyAttestation`
 * accepts — as created, from the reference's wire form, and from the JSON form.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  issueAttestation,
  parseAttestation,
  serializeAttestation,
  verifyAttestation,
  type JsonValue,
} from '../support/api.js';
import { wellFormedString } from '../support/arbitraries.js';

const NOW = 1_772_971_200_000;
const signers = [AgentIdentity.generate(), AgentIdentity.generate()];
const RESERVED = ['packet_id', 'attestation', '__control__'];

const integerOnly: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    wellFormedString,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(wellFormedString, tie('value'), { maxKeys: 3 }),
  ),
})).value;
const outcome = fc
  .dictionary(wellFormedString, integerOnly, { maxKeys: 5 })
  .filter((o) => !RESERVED.some((k) => Object.hasOwn(o, k)));

describe('issueAttestation produces only what verifyAttestation accepts (issue 9.4)', () => {
  it('random valid inputs → create → verify ok, also after the wire and JSON forms (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          packetId: wellFormedString.filter((s) => s.length > 0),
          result: outcome,
          reason: fc.option(outcome, { nil: null }),
          status: fc.constantFrom('OK', 'ERROR', 'PARTIAL', 'REJECTED', 'TIMEOUT' as const),
          nonce: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }), { nil: undefined }),
          // Anywhere in the accepted window: up to 300 s old, up to 30 s ahead.
          ageMs: fc.integer({ min: -30_000, max: 300_000 }),
          signer: fc.constantFrom(...signers),
        }),
        ({ packetId, result, reason, status, nonce, ageMs, signer }) => {
          const attestation = issueAttestation({
            packetId,
            result,
            reason,
            status,
            signer,
            now: () => NOW - ageMs,
            ...(nonce === undefined ? {} : { nonce }),
          });
          const options = {
            result,
            ...(reason === null ? {} : { reason }),
            expectedPacketId: packetId,
            expectedStatus: status,
            now: () => NOW,
          };
          for (const candidate of [
            attestation,
            parseAttestation(serializeAttestation(attestation)),
            parseAttestation(JSON.parse(JSON.stringify(attestation)) as object),
          ]) {
            expect(verifyAttestation(candidate, signer.publicKeyPem, options)).toEqual({
              ok: true,
              attestation,
            });
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
