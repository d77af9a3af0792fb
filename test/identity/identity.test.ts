import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  agentIdFromPublicKeyPem,
  parsePublicKeyPem,
  InvalidKeyError,
} from '../support/api.js';

describe('AgentIdentity', () => {
  const identity = AgentIdentity.generate();

  it('derives its agent id from the SPKI PEM text (SPEC §2.5)', () => {
    expect(identity.agentId).toBe(agentIdFromPublicKeyPem(identity.publicKeyPem));
    expect(identity.agentId).toMatch(/^agent:[A-Za-z0-9+/]{16}$/);
    expect(identity.publicKeyPem.endsWith('-----END PUBLIC KEY-----\n')).toBe(true);
    expect(identity.publicKeyRaw).toHaveLength(32);
    expect(identity.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('round-trips through its PKCS#8 PEM and signs deterministically', () => {
    const again = AgentIdentity.fromPrivateKeyPem(identity.privateKeyPem);
    expect(again.agentId).toBe(identity.agentId);
    const message = Buffer.from('hello');
    expect(again.sign(message).equals(identity.sign(message))).toBe(true);
    expect(identity.sign(message)).toHaveLength(64);
  });

  it('never shows its private key in JSON or console output', () => {
    const pemBody = identity.privateKeyPem.split('\n')[1]!;
    expect(JSON.stringify(identity)).not.toContain(pemBody);
    expect(inspect(identity)).not.toContain(pemBody);
    expect(inspect(identity)).toContain(identity.agentId);
    expect(JSON.parse(JSON.stringify(identity))).toEqual({
      agentId: identity.agentId,
      publicKeyPem: identity.publicKeyPem,
    });
  });

  it('refuses keys that are not Ed25519 private keys', () => {
    expect(() => AgentIdentity.fromPrivateKeyPem(identity.publicKeyPem)).toThrow(InvalidKeyError);
    expect(() => AgentIdentity.fromPrivateKeyPem('garbage')).toThrow(InvalidKeyError);
    expect(() => AgentIdentity.fromSeed(new Uint8Array(31))).toThrow(InvalidKeyError);
    expect(() => AgentIdentity.fromKeyObject(identity.publicKey)).toThrow(InvalidKeyError);
  });

  it('public key imports are cached by PEM text', () => {
    expect(parsePublicKeyPem(identity.publicKeyPem)).toBe(parsePublicKeyPem(identity.publicKeyPem));
  });
});
