/**
 * Issue 9, item 9: `did:key` for Ed25519 public keys, checked against the did:key method's published
 * Ed25519 test vectors (w3c-ccg/did-method-key, test-vectors/ed25519-x25519.json: seed → did and the
 * raw key in base58btc), and the local base58btc codec against known values and by property.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentIdentity, InvalidKeyError, parseDidKey, serializeDidKey } from '../support/api.js';
import { decodeBase58btc, encodeBase58btc } from '../../src/wire/base58.js';

const SPEC_VECTORS: { seed: string; did: string; publicKeyBase58: string }[] = [
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000000',
    did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
    publicKeyBase58: '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000001',
    did: 'did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG',
    publicKeyBase58: '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000002',
    did: 'did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf',
    publicKeyBase58: '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000003',
    did: 'did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ',
    publicKeyBase58: 'HPYVwAQmskwT1qEEeRzhoomyfyupJGASQQtCXSNG8XS2',
  },
  {
    seed: '0000000000000000000000000000000000000000000000000000000000000004',
    did: 'did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL',
    publicKeyBase58: 'J3qYF7YJMKCqQke47UQwiHizgFUXapHxRxKmxbkar89x',
  },
];

describe('base58btc', () => {
  it('matches known encodings (Bitcoin alphabet, leading zero bytes as 1)', () => {
    const known: [string, string][] = [
      ['', ''],
      ['00', '1'],
      ['0000', '11'],
      ['61', '2g'],
      ['626262', 'a3gV'],
      ['636363', 'aPEr'],
      ['48656c6c6f20576f726c6421', '2NEpo7TZRRrLZSi2U'],
      ['00000000000000000000', '1111111111'],
      ['0000287fb4cd', '11233QC4'],
      ['ffffffff', '7YXq9G'],
    ];
    for (const [hex, text] of known) {
      expect(encodeBase58btc(Buffer.from(hex, 'hex'))).toBe(text);
      expect(Buffer.from(decodeBase58btc(text, 100)!).toString('hex')).toBe(hex);
    }
  });

  it('round-trips any bytes, leading zeros included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat({ max: 4 }), (bytes, zeros) => {
        const input = Buffer.concat([Buffer.alloc(zeros), bytes]);
        const text = encodeBase58btc(input);
        expect(text).toMatch(/^[1-9A-HJ-NP-Za-km-z]*$/);
        expect(Buffer.from(decodeBase58btc(text, 1000)!).equals(input)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses characters outside the alphabet and texts over the length limit', () => {
    for (const text of ['0', 'O', 'I', 'l', '+', 'abc def', 'é', '2NEpo7TZRRrLZSi2U\n']) {
      expect(decodeBase58btc(text, 100)).toBeUndefined();
    }
    expect(decodeBase58btc('2'.repeat(101), 100)).toBeUndefined();
  });
});

describe('did:key (Ed25519)', () => {
  it.each(SPEC_VECTORS)('published vector $did', ({ seed, did, publicKeyBase58 }) => {
    const identity = AgentIdentity.fromSeed(Buffer.from(seed, 'hex'));
    expect(encodeBase58btc(identity.publicKeyRaw)).toBe(publicKeyBase58);
    expect(serializeDidKey(identity)).toBe(did);
    expect(serializeDidKey(identity.publicKeyPem)).toBe(did);
    const parsed = parseDidKey(did);
    expect(parsed).toEqual({ did, publicKeyPem: identity.publicKeyPem, agentId: identity.agentId });
  });

  it('round-trips every key: PEM → did:key → the same PEM and agent id', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
        const identity = AgentIdentity.fromSeed(seed);
        const did = serializeDidKey(identity);
        expect(did).toMatch(/^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/);
        const parsed = parseDidKey(did);
        expect(parsed.publicKeyPem).toBe(identity.publicKeyPem);
        expect(parsed.agentId).toBe(identity.agentId);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses what is not an Ed25519 did:key, with InvalidKeyError', () => {
    const valid = SPEC_VECTORS[0]!.did;
    const x25519 = 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW';
    const tooShort = 'did:key:zTjsVPtY';
    const tooLong =
      'did:key:z6MkA9MEcFWsoUVqj2zX6LACFaikLQ28i9WAsJnURDS3HLGKSkUbwUbiLH22ohgZ2BwgpQ6qC3VBTNV3pLhYDTVgR';
    const inputs: unknown[] = [
      x25519,
      tooShort,
      tooLong,
      `${valid}#${valid.slice(8)}`,
      valid.replace('did:key:z', 'did:key:f'),
      valid.replace('did:key:', 'did:web:'),
      `did:key:z1${valid.slice(9)}`,
      `did:key:z${'z'.repeat(100_000)}`,
      valid.slice(0, -1),
      '',
      42,
      null,
    ];
    for (const input of inputs) {
      expect(() => parseDidKey(input as string)).toThrow(InvalidKeyError);
    }
    expect(() => serializeDidKey('not a key')).toThrow(InvalidKeyError);
  });
});
