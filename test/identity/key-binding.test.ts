import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bindPresentedKey, sameKey } from '../../src/identity/key-binding.js';
import { parsePublicKeyPem } from '../../src/identity/keys.js';
import type { RegisteredAgent } from '../../src/stores/types.js';

const pems = Array.from({ length: 4 }, () =>
  generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
);

// Same key, other text: CRLF line endings, or no trailing newline.
const variant = fc
  .tuple(fc.constantFrom(...pems), fc.constantFrom('lf', 'crlf', 'trim'))
  .map(([pem, form]) =>
    form === 'crlf' ? pem.replace(/\n/g, '\r\n') : form === 'trim' ? pem.trimEnd() : pem,
  );

function importedEqual(a: string, b: string): boolean {
  return parsePublicKeyPem(a).raw.equals(parsePublicKeyPem(b).raw);
}

function registered(pem: string): RegisteredAgent {
  return { agentId: 'agent', publicKeyPem: pem, publicKey: parsePublicKeyPem(pem) };
}

describe('key binding', () => {
  it('sameKey agrees with importing both PEMs and comparing raw bytes', () => {
    fc.assert(
      fc.property(variant, variant, (a, b) => {
        expect(sameKey(parsePublicKeyPem(a), parsePublicKeyPem(b))).toBe(importedEqual(a, b));
      }),
    );
  });

  it('bindPresentedKey agrees with the raw compare, with and without the imported key', () => {
    fc.assert(
      fc.property(variant, variant, (reg, presented) => {
        const expected = importedEqual(reg, presented) ? 'bound' : 'key_mismatch';
        expect(bindPresentedKey(registered(reg), presented)).toBe(expected);
        expect(bindPresentedKey(registered(reg), presented, parsePublicKeyPem(presented))).toBe(expected);
      }),
    );
  });

  it('answers not_registered without an agent and key_mismatch for a PEM that does not import', () => {
    expect(bindPresentedKey(undefined, pems[0]!)).toBe('not_registered');
    expect(bindPresentedKey(registered(pems[0]!), 'not a pem')).toBe('key_mismatch');
  });
});
