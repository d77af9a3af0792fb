/**
 * Bad input never crashes a verifier (SPEC §7.8): each case is a typed error with a stable code, or
 * `false`. Size and depth limits are options with documented defaults.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  checkPacketSignature,
  createDelegationEnvelope,
  createTaskPacket,
  DEFAULT_JSON_LIMITS,
  parsePublicKeyPem,
  InvalidKeyError,
  issueTaskPacket,
  MemoryAgentRegistry,
  parseDelegationEnvelope,
  parsePacket,
  PayloadValidationError,
  serializeDelegationEnvelope,
  serializePacket,
  verifyPacket,
  type SignedTaskPacket,
} from '../support/api.js';
import { insecureVerifyPacketSelfDeclaredKey, referenceVerifyPacket } from '../../src/reference/index.js';

const identity = AgentIdentity.generate();
const good = issueTaskPacket(identity, { to_agent: 'agent:b', intent: 'x', context: { n: 1 } });
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const x25519Pem = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('wrong or garbage keys', () => {
  it.each([
    ['an RSA key', rsaPem],
    ['an EC P-256 key', ecPem],
    ['an X25519 key', x25519Pem],
    ['garbage inside PEM armour', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'],
    ['not a PEM at all', 'hello'],
    ['a private key', identity.privateKeyPem],
    ['an empty string', ''],
    ['a huge string', `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(100_000)}\n-----END PUBLIC KEY-----\n`],
  ])('%s as public_key: verification is false, import is InvalidKeyError', async (_name, pem) => {
    const packet: SignedTaskPacket = { ...good, public_key: pem };
    expect(insecureVerifyPacketSelfDeclaredKey(packet)).toBe(false);
    expect(checkPacketSignature(packet)).toBe('invalid_public_key');
    expect(() => parsePublicKeyPem(pem)).toThrow(InvalidKeyError);
    await expect(new MemoryAgentRegistry().register('agent:x', pem)).rejects.toBeInstanceOf(InvalidKeyError);
    const registry = new MemoryAgentRegistry();
    await registry.register(good.from_agent, identity.publicKeyPem);
    expect(await verifyPacket(packet, { registry })).toEqual({ ok: false, reason: 'key_mismatch' });
    await expect(referenceVerifyPacket(packet, { registry })).rejects.toMatchObject({
      code: 'ERR_PUBLIC_KEY_MISMATCH',
      detail: 'key_mismatch',
    });
  });
});

describe('bad signatures', () => {
  it.each([
    ['not base64', '!!!not-base64!!!'],
    // Node's decoder reads '-' as '+'; the strict decoder refuses the url-safe alphabet outright.
    ['base64url alphabet', `-${good.signature.slice(1)}`],
    ['missing padding', good.signature.replace(/=+$/, '')],
    ['too short (63 bytes)', Buffer.alloc(63, 1).toString('base64')],
    ['too long (65 bytes)', Buffer.alloc(65, 1).toString('base64')],
    ['empty', ''],
    ['whitespace inside', `${good.signature.slice(0, 10)} ${good.signature.slice(10)}`],
    ['non-canonical trailing bits', good.signature.slice(0, -3) + 'B=='],
    ['64 zero bytes', Buffer.alloc(64).toString('base64')],
    ['huge', 'A'.repeat(10_000_000)],
  ])('%s: false, never an exception', (_name, signature) => {
    expect(insecureVerifyPacketSelfDeclaredKey({ ...good, signature })).toBe(false);
  });
});

describe('malformed wire JSON', () => {
  const wire = serializeDelegationEnvelope(createDelegationEnvelope(good));

  it('truncated JSON at every length is a PayloadValidationError', () => {
    for (let cut = 0; cut < wire.length; cut += 7) {
      expect(() => parseDelegationEnvelope(wire.slice(0, cut))).toThrow(PayloadValidationError);
    }
  });

  it.each([
    ['permissions as a string', (w: string) => w.replace('"permissions": {', '"permissions": "all", "x": {')],
    ['an unknown (unsigned) packet field', (w: string) => w.replace('"nonce":', '"admin": true, "nonce":')],
    [
      'another signature algorithm',
      (w: string) => w.replace('"signature_algo": "Ed25519"', '"signature_algo": "none"'),
    ],
    ['a numeric intent', (w: string) => w.replace(/"intent": "x"/, '"intent": 7')],
    ['a float tool budget', (w: string) => w.replace('"max_tool_calls": null', '"max_tool_calls": 1.5')],
    [
      'a naive-looking garbage datetime',
      (w: string) => w.replace(/"issued_at": "[^"]+"/, '"issued_at": "yesterday"'),
    ],
    ['a list as the envelope', () => '[]'],
    ['no chain', (w: string) => w.replace('"chain": {', '"chainz": {')],
  ])('%s is a PayloadValidationError', (_name, mutate) => {
    const mutated = mutate(wire);
    expect(mutated).not.toBe(wire);
    expect(() => parseDelegationEnvelope(mutated)).toThrow(PayloadValidationError);
  });

  it('a context nested 100,000 deep is refused on the wire (default depth limit 64)', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = serializePacket(good).replace('"context":{"n":1}', `"context":{"n":${deep}}`);
    expect(() => parsePacket(text, { limits: { maxBytes: 1_000_000 } })).toThrow(PayloadValidationError);
  });

  it('a context nested 100,000 deep built in TypeScript is refused when created, unencodable when forged', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    // Creation copies the context within the wire limits (depth 64): no gate would parse it anyway.
    expect(() =>
      createTaskPacket({
        from_agent: identity.agentId,
        to_agent: 'b',
        intent: 'x',
        context: { deep } as never,
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    expect(checkPacketSignature({ ...good, context: { deep } as never })).toBe('unencodable');
  });

  it(`a 10 MB context is refused by the default size limit (${DEFAULT_JSON_LIMITS.maxBytes} bytes), and verifies when allowed`, () => {
    const context = { blob: 'x'.repeat(10_000_000) };
    expect(() => issueTaskPacket(identity, { to_agent: 'agent:b', intent: 'x', context })).toThrow(
      PayloadValidationError,
    );
    const big = issueTaskPacket(
      identity,
      { to_agent: 'agent:b', intent: 'x', context },
      { limits: { maxBytes: 11_000_000 } },
    );
    const text = serializePacket(big);
    expect(() => parsePacket(text)).toThrow(PayloadValidationError);
    expect(() => parsePacket(Buffer.from(text))).toThrow(PayloadValidationError);
    expect(insecureVerifyPacketSelfDeclaredKey(parsePacket(text, { limits: { maxBytes: 11_000_000 } }))).toBe(
      true,
    );
  });
});
