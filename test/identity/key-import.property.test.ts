/**
 * Issue 13.4: the canonical Ed25519 PEM is read without OpenSSL's decoder. These tests pin that the
 * fast path accepts exactly the keys the decoder accepts, and names the same key.
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importPublicKeyPem, parsePublicKeyPem } from '../../src/identity/keys.js';

const PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function pemOf(der: Buffer, eol = '\n'): string {
  return `-----BEGIN PUBLIC KEY-----${eol}${der.toString('base64')}${eol}-----END PUBLIC KEY-----${eol}`;
}

function decoded(pem: string): { raw: string; der: string } {
  const der = createPublicKey({ key: pem, format: 'pem' }).export({ format: 'der', type: 'spki' });
  return { raw: der.subarray(12).toString('hex'), der: der.toString('hex') };
}

describe('canonical Ed25519 PEM import', () => {
  it('names the same key as the OpenSSL decoder for any 32 key bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), (bytes, crlf) => {
        const pem = pemOf(Buffer.concat([PREFIX, bytes]), crlf ? '\r\n' : '\n');
        const fast = importPublicKeyPem(pem);
        const slow = decoded(pem);
        expect(fast.raw.toString('hex')).toBe(slow.raw);
        expect(fast.key.export({ format: 'der', type: 'spki' }).toString('hex')).toBe(slow.der);
        expect(fast.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      }),
      { numRuns: 200 },
    );
  });

  it('verifies the signatures the decoded key verifies', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const imported = importPublicKeyPem(pem);
    const message = Buffer.from('canonical bytes');
    const signature = sign(null, message, privateKey);
    expect(verify(null, message, imported.key, signature)).toBe(true);
    expect(verify(null, Buffer.from('other bytes'), imported.key, signature)).toBe(false);
    expect(imported.fingerprint).toBe(parsePublicKeyPem(pem).fingerprint);
  });

  it('sends any other text to the decoder, which decides as before', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const b64 = der.toString('base64');
    // Non-canonical base64 (unused low bits set in the last character): not the fast path's form.
    const last = b64.charAt(58);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const tweaked = `${b64.slice(0, 58)}${alphabet.charAt(alphabet.indexOf(last) ^ 1)}=`;
    const pem = `-----BEGIN PUBLIC KEY-----\n${tweaked}\n-----END PUBLIC KEY-----\n`;
    let expected: string | undefined;
    try {
      expected = decoded(pem).raw;
    } catch {
      expected = undefined;
    }
    if (expected === undefined) expect(() => importPublicKeyPem(pem)).toThrow();
    else expect(importPublicKeyPem(pem).raw.toString('hex')).toBe(expected);
    // URL-safe base64 characters (which Buffer's decoder would take): the OpenSSL decoder decides.
    const urlSafe = `-----BEGIN PUBLIC KEY-----\n${b64.slice(0, 20)}-${b64.slice(21)}\n-----END PUBLIC KEY-----\n`;
    let decodedUrlSafe: string | undefined;
    try {
      decodedUrlSafe = decoded(urlSafe).raw;
    } catch {
      decodedUrlSafe = undefined;
    }
    if (decodedUrlSafe === undefined) expect(() => importPublicKeyPem(urlSafe)).toThrow();
    else expect(importPublicKeyPem(urlSafe).raw.toString('hex')).toBe(decodedUrlSafe);
    // Line-wrapped at 64 columns: also the decoder's.
    const wrapped = `-----BEGIN PUBLIC KEY-----\n${b64.slice(0, 30)}\n${b64.slice(30)}\n-----END PUBLIC KEY-----\n`;
    expect(importPublicKeyPem(wrapped).raw.equals(der.subarray(12))).toBe(true);
  });

  it('refuses an X25519 key and a truncated key in the canonical shape', () => {
    const x = generateKeyPairSync('x25519').publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(() => importPublicKeyPem(x)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }));
    const short = pemOf(Buffer.concat([PREFIX, Buffer.alloc(31, 7)]));
    expect(() => importPublicKeyPem(short)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_KEY' }));
    expect(() => importPublicKeyPem(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_KEY' }),
    );
  });
});
