/**
 * Issue 9, item 9: Ed25519 public keys as JWK (RFC 8037) and JWKS (`kid` = agent id), round-tripping,
 * and the RFC 8037 Appendix A example key.
 */
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  InvalidKeyError,
  PayloadValidationError,
  exportJwks,
  exportPublicKeyJwk,
  parseJwks,
  parsePublicKeyJwk,
} from '../support/api.js';

// RFC 8037, Appendix A.1/A.2: the private key d (the seed) and its public key x.
const RFC8037 = {
  d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};

describe('JWK', () => {
  it('matches RFC 8037 Appendix A', () => {
    const identity = AgentIdentity.fromSeed(Buffer.from(RFC8037.d, 'base64url'));
    expect(exportPublicKeyJwk(identity)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: RFC8037.x });
    expect(parsePublicKeyJwk({ kty: 'OKP', crv: 'Ed25519', x: RFC8037.x })).toEqual({
      publicKeyPem: identity.publicKeyPem,
    });
  });

  it('round-trips every key, with and without kid, as an object and as JSON text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
        (seed, kid) => {
          fc.pre(kid === undefined || !/[\uD800-\uDFFF]/.test(kid));
          const identity = AgentIdentity.fromSeed(seed);
          const jwk = exportPublicKeyJwk(identity.publicKeyPem, kid === undefined ? {} : { kid });
          for (const input of [jwk, JSON.stringify(jwk)]) {
            const parsed = parsePublicKeyJwk(input);
            expect(parsed.publicKeyPem).toBe(identity.publicKeyPem);
            expect(parsed.kid).toBe(kid);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts use "sig" and alg "EdDSA", ignores unknown members', () => {
    const jwk = { ...exportPublicKeyJwk(AgentIdentity.generate()), use: 'sig', alg: 'EdDSA', ext: true };
    expect(parsePublicKeyJwk(jwk).publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('refuses what is not an Ed25519 public JWK, with InvalidKeyError', () => {
    const good = exportPublicKeyJwk(AgentIdentity.generate());
    const privateJwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
    const bad: unknown[] = [
      privateJwk, // carries d: never in a public key set
      x25519,
      { ...good, kty: 'EC' },
      { ...good, crv: 'Ed448' },
      { ...good, x: `${good.x}=` }, // padded
      { ...good, x: good.x.slice(0, -1) }, // 31.x bytes
      { ...good, x: Buffer.alloc(33).toString('base64url') },
      { ...good, x: good.x.replace(/[A-Za-z0-9]$/, (c) => (c === 'A' ? 'B' : 'A')) + 'A' },
      { ...good, x: 42 },
      { ...good, use: 'enc' },
      { ...good, alg: 'RS256' },
      { ...good, kid: '' },
      { ...good, kid: 'k'.repeat(257) },
      { ...good, kid: 'a\uD800b' },
      { ...good, kid: 7 },
      [good],
      null,
      'not json',
      '[]',
    ];
    for (const input of bad) {
      let error: unknown;
      try {
        parsePublicKeyJwk(input);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(input)).toBeInstanceOf(
        typeof input === 'string' && input === 'not json' ? PayloadValidationError : InvalidKeyError,
      );
    }
  });

  it('reads an object through its JSON form once: getters run once, later changes are not seen', () => {
    const good = exportPublicKeyJwk(AgentIdentity.generate());
    let reads = 0;
    const tricky = {
      kty: 'OKP',
      crv: 'Ed25519',
      get x() {
        reads++;
        return reads === 1 ? good.x : 'garbage';
      },
    };
    expect(parsePublicKeyJwk(tricky).publicKeyPem).toMatch(/PUBLIC KEY/);
    expect(reads).toBe(1);
    expect(() => parsePublicKeyJwk({ kty: 'OKP', crv: 'Ed25519', x: 1n })).toThrow(PayloadValidationError);
  });
});

describe('JWKS', () => {
  const planner = AgentIdentity.generate();
  const researcher = AgentIdentity.generate();

  it('kid is the agent id; a set round-trips to the same agents and keys', () => {
    const jwks = exportJwks([planner, researcher, { agentId: 'writer', publicKeyPem: planner.publicKeyPem }]);
    expect(jwks.keys.map((k) => k.kid)).toEqual([planner.agentId, researcher.agentId, 'writer']);
    const text = JSON.stringify(jwks);
    expect(parseJwks(text)).toEqual([
      { agentId: planner.agentId, publicKeyPem: planner.publicKeyPem },
      { agentId: researcher.agentId, publicKeyPem: researcher.publicKeyPem },
      { agentId: 'writer', publicKeyPem: planner.publicKeyPem },
    ]);
  });

  it('a key without kid is bound to its key-derived agent id', () => {
    expect(parseJwks({ keys: [exportPublicKeyJwk(planner)] })).toEqual([
      { agentId: planner.agentId, publicKeyPem: planner.publicKeyPem },
    ]);
  });

  it('refuses a malformed set with PayloadValidationError', () => {
    const jwk = exportPublicKeyJwk(planner, { kid: 'a' });
    for (const input of [{}, { keys: {} }, { keys: [jwk, jwk] }, [], '{"keys": 1}']) {
      expect(() => parseJwks(input)).toThrow(PayloadValidationError);
    }
    expect(() => exportJwks([planner, planner])).toThrow(PayloadValidationError);
  });
});
