/** Bad input through `handle`: every malformed case is a REJECT with a reason, never an exception. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import {
  createDelegationEnvelope,
  serializeDelegationEnvelope,
  type SignedTaskPacket,
} from '../support/api.js';
import { fixture } from './support.js';

describe('bad input through handle', async () => {
  const f = await fixture();
  const good = f.envelope();
  const wire = serializeDelegationEnvelope(good);
  const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString();
  const x25519Pem = generateKeyPairSync('x25519')
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString();
  const patched = (patch: Record<string, unknown>): unknown => ({
    packet: { ...good.packet, ...patch },
    chain: good.chain,
  });

  const cases: Record<string, () => unknown> = {
    'wrong key type (RSA)': () => patched({ public_key: rsaPem }),
    'wrong key type (X25519)': () => patched({ public_key: x25519Pem }),
    'garbage PEM': () =>
      patched({ public_key: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n' }),
    'huge PEM': () => patched({ public_key: `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(100_000)}` }),
    'bad base64 signature': () => patched({ signature: '!!!not base64!!!' }),
    'url-safe base64 signature': () => {
      // A signature without '+' or '/' (about 1 in 15) has no url-safe variant: pick one that has.
      let e = f.envelope();
      while (!/[+/]/.test(e.packet.signature)) e = f.envelope();
      const signature = e.packet.signature.replace(/\+/g, '-').replace(/\//g, '_');
      return { packet: { ...e.packet, signature }, chain: e.chain };
    },
    'short signature': () => patched({ signature: Buffer.alloc(32).toString('base64') }),
    'long signature': () => patched({ signature: Buffer.alloc(65).toString('base64') }),
    'signature not a string': () => patched({ signature: 12 }),
    'truncated JSON': () => wire.slice(0, wire.length / 2),
    'empty string': () => '',
    'empty bytes': () => new Uint8Array(0),
    'invalid UTF-8': () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    'JSON null': () => 'null',
    'JSON array': () => '[1,2,3]',
    '100,000-deep nesting': () =>
      wire.replace('"context": {', `"context": {"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)},`),
    '100,000-deep nesting (object input)': () => {
      let deep: unknown = 1;
      for (let i = 0; i < 100_000; i++) deep = [deep];
      return patched({ context: { deep } });
    },
    '10 MB context': () =>
      wire.replace('"context": {', `"context": {"big": "${'x'.repeat(10 * 1024 * 1024)}",`),
    '10 MB context (object input)': () => patched({ context: { big: 'x'.repeat(10 * 1024 * 1024) } }),
    'huge integer': () => wire.replace('"context": {', `"context": {"n": ${'9'.repeat(100_000)},`),
    'unknown packet field': () => patched({ extra: 1 }),
    'missing packet': () => ({ chain: good.chain }),
    'missing chain': () => ({ packet: good.packet }),
    'packet not an object': () => ({ packet: 'x', chain: good.chain }),
    'chain not an object': () => ({ packet: good.packet, chain: [] }),
    'chain with non-string agents': () => ({
      packet: good.packet,
      chain: { packet_ids: [1], agents: [{}], hops: [] },
    }),
    'wrong field types': () => patched({ nonce: 42 }),
    'issued_at not a datetime': () => patched({ issued_at: 'yesterday' }),
    'signature_algo not Ed25519': () => patched({ signature_algo: 'RS256' }),
    'approvals not a list': () => ({ ...good, approvals: 'yes' }),
    'too many approvals': () => ({ ...good, approvals: Array.from({ length: 1000 }, () => ({})) }),
    'cyclic context (object input)': () => {
      const context: Record<string, unknown> = {};
      context['self'] = context;
      return patched({ context });
    },
    'proxy that throws': () =>
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('boom');
          },
          ownKeys: () => {
            throw new Error('boom');
          },
        },
      ),
    undefined: () => undefined,
    'a number': () => 42,
    'a class instance': () => new Date(),
  };

  for (const [name, make] of Object.entries(cases)) {
    it(`rejects ${name}`, async () => {
      const decision = await f.gate.handle(make() as never);
      if (process.env['SHOW'])
        console.log(name, '=>', decision.reason, JSON.stringify(decision.details)?.slice(0, 150));
      expect(decision.decision).toBe('REJECT');
      expect(typeof decision.reason).toBe('string');
      expect(decision.reason.length).toBeGreaterThan(0);
      expect(decision.reason.length).toBeLessThanOrEqual(256);
      expect(Object.isFrozen(decision)).toBe(true);
    });
  }

  it('never throws on arbitrary JSON and arbitrary mutations of a valid envelope', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json(), fc.string(), fc.uint8Array()), async (input) => {
        const decision = await f.gate.handle(input);
        expect(decision.decision).toBe('REJECT');
      }),
      { numRuns: 200 },
    );
    const fields = Object.keys(good.packet) as (keyof SignedTaskPacket)[];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.jsonValue(), async (field, value) => {
        const decision = await f.gate.handle(createDelegationEnvelope({ ...good.packet, [field]: value }));
        expect(['ACCEPT', 'REJECT']).toContain(decision.decision);
        if (decision.decision === 'REJECT') expect(decision.reason).toBeTruthy();
      }),
      { numRuns: 200 },
    );
  });
});
