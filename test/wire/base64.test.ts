import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from '../../src/index.js';

describe('strict base64', () => {
  it('accepts exactly the canonical encoding of any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const std = encodeBase64(bytes);
        expect(decodeBase64(std)?.equals(Buffer.from(bytes))).toBe(true);
        const url = encodeBase64Url(bytes);
        expect(decodeBase64Url(url)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });

  it.each([
    ['url-safe alphabet', '-_8='],
    ['missing padding', 'AAE'],
    ['non-canonical trailing bits', 'AAF='],
    ['whitespace', 'AA E='],
    ['characters outside the alphabet', 'AA*E'],
    ['too long', 'AAAA'.repeat(10)],
  ])('standard: refuses %s', (_name, text) => {
    expect(decodeBase64(text, 16)).toBeUndefined();
  });

  it.each([
    ['standard alphabet', '+/8'],
    ['padding', 'AAE='],
    ['non-canonical trailing bits', 'AAF'],
    ['impossible length', 'AAAAA'],
  ])('url-safe: refuses %s', (_name, text) => {
    expect(decodeBase64Url(text)).toBeUndefined();
  });

  it('standard: the same bytes written with "+/" decode', () => {
    expect(decodeBase64('+/8=')).toEqual(Buffer.from([0xfb, 0xff]));
  });
});
