import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from '../support/api.js';

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

  // The decoder of record: Node's own, made strict by re-encoding. Short texts are decoded in
  // JavaScript, long ones natively; both must agree with this on every input.
  function nativeStrict(text: string, encoding: 'base64' | 'base64url'): Buffer | undefined {
    if (encoding === 'base64' ? text.length % 4 !== 0 : text.length % 4 === 1) return undefined;
    if (encoding === 'base64url' && !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
    const bytes = Buffer.from(text, encoding);
    return bytes.toString(encoding) === text ? bytes : undefined;
  }

  const base64ish = (length: fc.Arbitrary<number>) =>
    length
      .chain((n) =>
        fc.oneof(
          fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64')),
          fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('base64url')),
          fc.string({
            unit: fc.constantFrom(...'AEQgw/+_-=A\u00e9\u0100 *'.split('')),
            minLength: 0,
            maxLength: n + 4,
          }),
        ),
      )
      // Single-character edits of canonical text: the near misses a forger would try.
      .chain((text) =>
        fc.nat({ max: Math.max(text.length, 1) }).chain((at) =>
          fc.oneof(
            fc.constant(text),
            fc
              .constantFrom('A', 'B', '=', '-', '+', '\u0141', '')
              .map((c) => text.slice(0, at) + c + text.slice(at + 1)),
          ),
        ),
      );

  it('agrees with the native decoder made strict, short and long texts alike (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(base64ish(fc.nat({ max: 70 })), base64ish(fc.integer({ min: 3060, max: 3090 }))),
        (text) => {
          expect(decodeBase64(text)).toEqual(nativeStrict(text, 'base64'));
          expect(decodeBase64Url(text)).toEqual(nativeStrict(text, 'base64url'));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('standard: the same bytes written with "+/" decode', () => {
    expect(decodeBase64('+/8=')).toEqual(Buffer.from([0xfb, 0xff]));
  });
});
