/**
 * The differential corpus (test/fixtures/ed25519-edge-cases.json, rebuilt by
 * test/support/ed25519-corpus.ts): node:crypto and libsodium, raw and through the library's strict
 * rule. Raw, they disagree on some cases (that is why the rule exists); through the library they
 * never do, and both give the strict verdict of the BigInt reference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { buildCorpus, type CorpusCase } from '../support/ed25519-corpus.js';
import { TORSION, encode } from '../support/ed25519-math.js';
import { isStrictEd25519, nodeSignatureBackend, type PublicKey } from '../../src/identity/index.js';
import { verifyEd25519 } from '../../src/identity/signature-backend.js';
import { sodiumBackend } from '../../src/sodium/index.js';

const FIXTURE = new URL('../fixtures/ed25519-edge-cases.json', import.meta.url);
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const sodium = sodiumBackend();
const rawSodium = createRequire(import.meta.url)('sodium-native') as {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
};

interface Fixture {
  readonly description: string;
  readonly cases: readonly CorpusCase[];
}

function readFixture(): Fixture {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Fixture;
}

/** A PublicKey as the library holds it, for any 32 bytes (OpenSSL imports every 32-byte string). */
export function publicKeyOf(raw: Buffer): PublicKey {
  return {
    key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }),
    raw,
    fingerprint: '',
  };
}

function rawNode(c: CorpusCase): boolean {
  try {
    return verify(
      null,
      Buffer.from(c.message, 'hex'),
      publicKeyOf(Buffer.from(c.publicKey, 'hex')).key,
      Buffer.from(c.signature, 'hex'),
    );
  } catch {
    return false;
  }
}

function rawLibsodium(c: CorpusCase): boolean {
  const signature = Buffer.from(c.signature, 'hex');
  if (signature.length !== 64) return false;
  return rawSodium.crypto_sign_verify_detached(
    signature,
    Buffer.from(c.message, 'hex'),
    Buffer.from(c.publicKey, 'hex'),
  );
}

function through(backend: typeof sodium, c: CorpusCase): boolean {
  return verifyEd25519(
    backend,
    publicKeyOf(Buffer.from(c.publicKey, 'hex')),
    Buffer.from(c.message, 'hex'),
    Buffer.from(c.signature, 'hex'),
  );
}

describe('Ed25519 differential corpus', () => {
  it('the fixture is what the generator builds (regenerate with UPDATE_ED25519_CORPUS=1)', () => {
    const built = buildCorpus();
    if (process.env['UPDATE_ED25519_CORPUS'] === '1') {
      const fixture: Fixture = { description: 'see test/fixtures/README.md', cases: built };
      writeFileSync(FIXTURE, `${JSON.stringify(fixture, null, 1)}\n`);
    }
    expect(readFixture().cases).toEqual(built);
  });

  it('the small-order blocklist is exactly the y of the 8 torsion points', () => {
    for (const t of TORSION) {
      const enc = encode(t);
      expect(isStrictEd25519(enc, Buffer.alloc(64)), enc.toString('hex')).toBe(false);
    }
  });

  const cases = readFixture().cases;

  it('covers every class, accepted and refused, and raw node:crypto and libsodium disagree on some', () => {
    expect(cases.length).toBeGreaterThan(150);
    expect(cases.some((c) => c.strict)).toBe(true);
    const disagreements = cases.filter((c) => rawNode(c) !== rawLibsodium(c));
    // Small-order and negative-zero keys: OpenSSL accepts, libsodium refuses.
    expect(disagreements.length).toBeGreaterThan(0);
    for (const c of disagreements) expect(c.strict, c.name).toBe(false);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s: both backends give the strict verdict', (_name, c) => {
    expect(through(nodeSignatureBackend, c)).toBe(c.strict);
    expect(through(sodium, c)).toBe(c.strict);
    // The stricter answer wins: the rule never accepts what either raw library refuses.
    if (c.strict) {
      expect(rawNode(c)).toBe(true);
      expect(rawLibsodium(c)).toBe(true);
    }
  });
});
