import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeSignature } from '../../src/identity/signature.js';

// Reference: Node's lenient decoder, made strict by requiring the text to be the canonical encoding.
function reference(text: string, encoding: 'base64' | 'base64url'): Buffer | undefined {
  if (text.length > 128) return undefined;
  const bytes = Buffer.from(text, encoding);
  if (bytes.toString(encoding) !== text || bytes.length !== 64) return undefined;
  return bytes;
}

const encodings = fc.constantFrom('base64' as const, 'base64url' as const);
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=';
// Near-signatures: real encodings of 60–68 bytes with a few characters replaced or dropped.
const mutated = fc
  .tuple(
    fc.uint8Array({ minLength: 60, maxLength: 68 }),
    encodings,
    encodings,
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...alphabet.split(''), ''))),
    fc.boolean(),
  )
  .map(([bytes, written, read, edits, pad]) => {
    let text = Buffer.from(bytes).toString(written);
    for (const [at, ch] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + ch + text.slice(i + 1);
    }
    return [pad ? text.replace(/=+$/, '') : text, read] as const;
  });

describe('decodeSignature', () => {
  it('agrees with Buffer.from plus a canonical re-encode check', () => {
    fc.assert(
      fc.property(mutated, ([text, encoding]) => {
        const got = decodeSignature(text, encoding);
        const want = reference(text, encoding);
        expect(got === undefined ? undefined : Buffer.from(got).toString('hex')).toBe(want?.toString('hex'));
      }),
      { numRuns: 5000 },
    );
  });

  it('decodes every 64-byte value in both encodings, and nothing that is not a string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), encodings, (bytes, encoding) => {
        const text = Buffer.from(bytes).toString(encoding);
        expect(decodeSignature(text, encoding)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
    expect(decodeSignature(undefined, 'base64')).toBeUndefined();
    expect(decodeSignature(42, 'base64url')).toBeUndefined();
    expect(decodeSignature('A'.repeat(1 << 20), 'base64')).toBeUndefined();
  });
});
