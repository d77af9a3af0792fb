/**
 * Conformance with the Python reference (trusthandoff 0.4.0): every capability vector in
 * test/fixtures/python-reference-0.4.0.json.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  Timestamp,
  parseCapability,
  capabilitySigningPayload,
  checkCapabilitySignature,
  CapabilityChainVerifier,
  parseCapabilityToken,
  serializeCapabilityToken,
  parsePublicKeyPem,
  signCapability,
  validateCapabilityChain,
  insecureVerifyCapabilitySelfDeclaredKey,
  PayloadValidationError,
} from '../support/api.js';
import { identityVector, vectors } from '../support/vectors.js';

describe('capability vectors', () => {
  it('covers at least one vector', () => {
    expect(vectors.capabilities.length).toBeGreaterThan(0);
  });

  for (const vector of vectors.capabilities) {
    describe(vector.name, () => {
      const signer = identityVector(vector.signer);

      it('the token decodes to the model dump and re-encodes to the same token', () => {
        const decoded = parseCapabilityToken(vector.token);
        const fromDump = parseCapability(vector.capability_model_dump_json);
        expect(serializeCapabilityToken(decoded)).toBe(vector.token);
        expect(serializeCapabilityToken(fromDump)).toBe(vector.token);
        expect(decoded.capability_id).toBe(vector.capability_model_dump_json['capability_id']);
        expect(decoded.issued_at.toCanonical()).toBe(vector.capability_model_dump_json['issued_at']);
        expect(decoded.expires_at.toCanonical()).toBe(vector.capability_model_dump_json['expires_at']);
        expect(decoded.signature).toBe(vector.signature);
        expect(decoded.public_key).toBe(signer.public_key_pem);
      });

      it('canonical bytes equal canonical_payload', () => {
        expect(capabilitySigningPayload(parseCapabilityToken(vector.token))).toBe(vector.canonical_payload);
        expect(capabilitySigningPayload(parseCapability(vector.capability_model_dump_json))).toBe(
          vector.canonical_payload,
        );
      });

      it('parseCapability reads the model dump as text, bytes or an object alike', () => {
        const text = JSON.stringify(vector.capability_model_dump_json);
        for (const input of [text, new TextEncoder().encode(text), vector.capability_model_dump_json]) {
          expect(serializeCapabilityToken(parseCapability(input))).toBe(vector.token);
        }
      });

      it(`signature ${vector.verify ? 'verifies' : 'is rejected'} against the signer's key`, () => {
        const decoded = parseCapabilityToken(vector.token);
        expect(checkCapabilitySignature(decoded, parsePublicKeyPem(signer.public_key_pem)) === 'valid').toBe(
          vector.verify,
        );
        expect(insecureVerifyCapabilitySelfDeclaredKey(decoded)).toBe(vector.verify);
      });

      it('re-signing with the same key reproduces the signature (Ed25519 is deterministic)', () => {
        const identity = AgentIdentity.fromPrivateKeyPem(signer.private_key_pem);
        const resigned = signCapability(parseCapabilityToken(vector.token), identity);
        expect(resigned.signature).toBe(vector.signature);
        expect(serializeCapabilityToken(resigned)).toBe(vector.token);
      });
    });
  }

  it('parseCapability reads an object once: getters and bad input are PayloadValidationError', () => {
    const dump = vectors.capabilities[0]!.capability_model_dump_json;
    let reads = 0;
    const shifty = Object.defineProperty({ ...dump }, 'subject_agent', {
      enumerable: true,
      get: () => (++reads === 1 ? dump['subject_agent'] : 'agent:mallory'),
    });
    expect(() => parseCapability(shifty)).toThrow(PayloadValidationError);
    expect(reads).toBe(0);
    for (const bad of [
      'not json',
      '[1]',
      new Uint8Array([0xff]),
      { capability_id: 'x' },
      { ...dump, admin: true },
    ])
      expect(() => parseCapability(bad)).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    // A capability this library built parses to an equal capability (its Timestamps kept as they are).
    const decoded = parseCapabilityToken(vectors.capabilities[0]!.token);
    expect(serializeCapabilityToken(parseCapability(decoded))).toBe(vectors.capabilities[0]!.token);
  });

  it('the reference root → child chain is structurally valid and verifies end to end', async () => {
    const root = parseCapabilityToken(vectors.capabilities.find((v) => v.name === 'root')!.token);
    const child = parseCapabilityToken(vectors.capabilities.find((v) => v.name === 'child')!.token);
    expect(validateCapabilityChain([root, child]).ok).toBe(true);
    const planner = identityVector('planner');
    const verifier = new CapabilityChainVerifier({
      trustedRoots: [{ agentId: planner.agent_id, publicKeyPem: planner.public_key_pem }],
      now: () => Timestamp.parse('2026-03-08T12:10:00Z').epochMillis,
    });
    expect(await verifier.verify([root, child], { presenter: identityVector('writer').agent_id })).toEqual({
      ok: true,
      chain: [root, child],
      leaf: child,
    });
  });
});
