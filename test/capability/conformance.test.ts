/**
 * Conformance with the Python reference (trusthandoff 0.4.0): every capability vector in
 * test/fixtures/python-reference-0.4.0.json.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  Timestamp,
  capabilityFromJson,
  capabilitySigningPayload,
  checkCapabilitySignature,
  createCapabilityChainVerifier,
  decodeCapabilityToken,
  encodeCapabilityToken,
  importPublicKeyPem,
  signCapability,
  validateCapabilityChain,
  verifyCapabilitySignature,
} from '../../src/index.js';
import { identityVector, vectors } from '../support/vectors.js';

describe('capability vectors', () => {
  it('covers at least one vector', () => {
    expect(vectors.capabilities.length).toBeGreaterThan(0);
  });

  for (const vector of vectors.capabilities) {
    describe(vector.name, () => {
      const signer = identityVector(vector.signer);

      it('the token decodes to the model dump and re-encodes to the same token', () => {
        const decoded = decodeCapabilityToken(vector.token);
        const fromDump = capabilityFromJson(vector.capability_model_dump_json);
        expect(encodeCapabilityToken(decoded)).toBe(vector.token);
        expect(encodeCapabilityToken(fromDump)).toBe(vector.token);
        expect(decoded.capability_id).toBe(vector.capability_model_dump_json['capability_id']);
        expect(decoded.issued_at.toCanonical()).toBe(vector.capability_model_dump_json['issued_at']);
        expect(decoded.expires_at.toCanonical()).toBe(vector.capability_model_dump_json['expires_at']);
        expect(decoded.signature).toBe(vector.signature);
        expect(decoded.public_key).toBe(signer.public_key_pem);
      });

      it('canonical bytes equal canonical_payload', () => {
        expect(capabilitySigningPayload(decodeCapabilityToken(vector.token))).toBe(vector.canonical_payload);
        expect(capabilitySigningPayload(capabilityFromJson(vector.capability_model_dump_json))).toBe(
          vector.canonical_payload,
        );
      });

      it(`signature ${vector.verify ? 'verifies' : 'is rejected'} against the signer's key`, () => {
        const decoded = decodeCapabilityToken(vector.token);
        expect(checkCapabilitySignature(decoded, importPublicKeyPem(signer.public_key_pem)) === 'valid').toBe(
          vector.verify,
        );
        expect(verifyCapabilitySignature(decoded)).toBe(vector.verify);
      });

      it('re-signing with the same key reproduces the signature (Ed25519 is deterministic)', () => {
        const identity = AgentIdentity.fromPrivateKeyPem(signer.private_key_pem);
        const resigned = signCapability(decodeCapabilityToken(vector.token), identity);
        expect(resigned.signature).toBe(vector.signature);
        expect(encodeCapabilityToken(resigned)).toBe(vector.token);
      });
    });
  }

  it('the reference root → child chain is structurally valid and verifies end to end', async () => {
    const root = decodeCapabilityToken(vectors.capabilities.find((v) => v.name === 'root')!.token);
    const child = decodeCapabilityToken(vectors.capabilities.find((v) => v.name === 'child')!.token);
    expect(validateCapabilityChain([root, child]).valid).toBe(true);
    const planner = identityVector('planner');
    const verifier = createCapabilityChainVerifier({
      trustedRoots: [{ agentId: planner.agent_id, publicKeyPem: planner.public_key_pem }],
      now: () => Timestamp.parse('2026-03-08T12:10:00Z').epochMillis,
    });
    expect(await verifier.verify([root, child], { presenter: identityVector('writer').agent_id })).toEqual({
      valid: true,
    });
  });
});
