/**
 * Conformance with the Python reference (trusthandoff 0.4.0): every attestation vector parses, verifies
 * against its signer's key at its `verify_at_now_ms`, frames to the reference's exact bytes, and
 * re-serializes to the exact `model_dump_json` text.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  attestationSigningPayload,
  canonicalOutcomeJson,
  issueAttestation,
  outcomeHash,
  parseAttestation,
  serializeAttestation,
  verifyAttestation,
} from '../support/api.js';
import { identityVector, vectors } from '../support/vectors.js';

describe('attestation vectors', () => {
  it('has vectors to check', () => {
    expect(vectors.attestations.length).toBeGreaterThanOrEqual(4);
  });

  for (const vector of vectors.attestations) {
    describe(vector.name, () => {
      const signer = identityVector(vector.signer);
      const attestation = parseAttestation(vector.attestation_model_dump_json_text);

      it('parses to the vector fields, with the nonce exact', () => {
        const text = vector.attestation_model_dump_json_text;
        const nonceLiteral = /"nonce":(\d+)/.exec(text)![1]!;
        expect(attestation.nonce).toBe(BigInt(nonceLiteral));
        expect(attestation.packet_id).toBe(vector.packet_id);
        expect(attestation.status).toBe(vector.status);
        expect(attestation.signed_by).toBe(signer.agent_id);
        expect(attestation.agent_pubkey_fingerprint).toBe(signer.pubkey_fingerprint);
        expect(Object.isFrozen(attestation)).toBe(true);
      });

      it('result canonical JSON equals result_canonical_json', () => {
        expect(canonicalOutcomeJson(vector.result)).toBe(vector.result_canonical_json);
        expect(outcomeHash(vector.result)).toBe(attestation.outcome_hash);
      });

      it('framed payload equals framed_payload_hex', () => {
        expect(attestationSigningPayload(attestation).toString('hex')).toBe(vector.framed_payload_hex);
      });

      it('verifies at verify_at_now_ms against the signer key', () => {
        const verdict = verifyAttestation(attestation, signer.public_key_pem, {
          result: vector.result,
          reason: vector.reason,
          now: () => vector.verify_at_now_ms,
          expectedPacketId: vector.packet_id,
          expectedStatus: vector.status as never,
        });
        expect(verdict.ok).toBe(vector.verify);
      });

      it('re-serializes to the exact model_dump_json text', () => {
        expect(serializeAttestation(attestation)).toBe(vector.attestation_model_dump_json_text);
        expect(serializeAttestation(parseAttestation(serializeAttestation(attestation)))).toBe(
          vector.attestation_model_dump_json_text,
        );
      });

      it('is reproduced byte for byte by issueAttestation with the same nonce and timestamp', () => {
        const identity = AgentIdentity.fromPrivateKeyPem(signer.private_key_pem);
        const created = issueAttestation({
          packetId: vector.packet_id,
          result: vector.result,
          signer: identity,
          status: attestation.status,
          reason: vector.reason,
          nonce: attestation.nonce,
          now: () => attestation.timestamp_ms,
        });
        // Ed25519 is deterministic: same key, same bytes, same signature.
        expect(serializeAttestation(created)).toBe(vector.attestation_model_dump_json_text);
      });
    });
  }
});
