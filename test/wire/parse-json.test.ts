import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalPacketJson,
  encodeJson,
  JsonFloat,
  parseJson,
  PayloadValidationError,
  type EncodeOptions,
  type JsonValue,
} from '../support/api.js';
import { anyKey, jsonValue } from '../support/arbitraries.js';

const LAYOUTS: readonly Partial<EncodeOptions>[] = [
  {},
  { sortKeys: false },
  { itemSeparator: ', ', keySeparator: ': ' },
  { asciiOnly: false },
];

describe('parseJson keeps numbers the way Python reads them', () => {
  it('integer literals stay exact; integral floats keep their float form', () => {
    const parsed = parseJson(
      '{"big":9007199254740993,"huge":1180591620717411303424,"f":1.0,"h":100.0,"n":-0,"z":-0.0,"e":1e16,"t":0.1}',
    ) as Record<string, JsonValue>;
    expect(parsed['big']).toBe(9007199254740993n);
    expect(parsed['huge']).toBe(1180591620717411303424n);
    expect(parsed['f']).toEqual(new JsonFloat(1));
    expect(parsed['n']).toBe(0);
    expect(canonicalPacketJson(parsed)).toBe(
      '{"big":9007199254740993,"e":1e+16,"f":1.0,"h":100.0,"huge":1180591620717411303424,"n":0,"t":0.1,"z":-0.0}',
    );
  });

  it('a 16-digit safe integer is a number, not a bigint', () => {
    expect(parseJson('9007199254740991')).toBe(9007199254740991);
  });

  it('takes the JSON.parse fast path and the lossless path to the same values', () => {
    fc.assert(
      fc.property(jsonValue(anyKey), (value) => {
        const text = encodeJson(value);
        // Pure integer documents take the fast path; adding a float forces the lossless parser.
        const slow = parseJson(`[${text},1.5]`) as JsonValue[];
        expect(canonicalPacketJson(slow[0])).toBe(canonicalPacketJson(parseJson(text)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('encode → parse round trip (property)', () => {
  for (const layout of LAYOUTS) {
    it(`canonical bytes survive any layout ${JSON.stringify(layout)}`, () => {
      fc.assert(
        fc.property(
          jsonValue(layout.asciiOnly === false ? fc.string({ unit: 'grapheme', maxLength: 8 }) : anyKey),
          (value) => {
            let text: string;
            try {
              text = encodeJson(value, layout);
            } catch (error) {
              // Raw UTF-8 output refuses lone surrogates; nothing else may fail.
              expect(layout.asciiOnly).toBe(false);
              expect((error as { code?: string }).code).toBe('ERR_CANONICALIZATION');
              return;
            }
            expect(canonicalPacketJson(parseJson(text))).toBe(canonicalPacketJson(value));
          },
        ),
        { numRuns: 400 },
      );
    });
  }

  it('agrees with JSON.parse on documents without floats or big integers', () => {
    fc.assert(
      fc.property(fc.json({ noUnicodeString: false }), (text) => {
        if (/[.eE]|\d{16}/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return;
        expect(parseJson(text)).toEqual(JSON.parse(text));
      }),
    );
  });
});

describe('parseJson rejects bad input with PayloadValidationError', () => {
  it.each([
    ['truncated', '{"a": [1, 2'],
    ['trailing garbage', '{"a":1} x'],
    ['NaN literal (Python accepts, we do not)', '{"a": NaN}'],
    ['Infinity literal', '[Infinity]'],
    ['number out of double range', '[1e400]'],
    ['single quotes', "{'a': 1}"],
    ['raw control character in a string', '["a\u0001b"]'],
    ['bad escape', '["\\x41"]'],
    ['bad unicode escape', '["\\u12G4"]'],
    ['leading zero', '[01]'],
    ['empty', ''],
    ['byte order mark', '\ufeff{}'],
    ['lone value separator', '[1,]'],
  ])('%s', (_name, text) => {
    expect(() => parseJson(text)).toThrow(PayloadValidationError);
    expect(() => parseJson(`[${text}, 1.5]`)).toThrow(PayloadValidationError);
  });

  it('nesting 100,000 deep is refused before any recursion', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseJson(deep)).toThrow(PayloadValidationError);
    const deepWithFloat = '['.repeat(100_000) + '1.5' + ']'.repeat(100_000);
    expect(() => parseJson(deepWithFloat, { maxBytes: 10_000_000 })).toThrow(PayloadValidationError);
  });

  it('the depth limit is configurable and counts the outermost container as 1', () => {
    expect(parseJson('[[[]]]', { maxDepth: 3 })).toEqual([[[]]]);
    expect(() => parseJson('[[[[]]]]', { maxDepth: 3 })).toThrow(PayloadValidationError);
    expect(() => parseJson('[[[[1.5]]]]', { maxDepth: 3 })).toThrow(PayloadValidationError);
  });

  it('documents over maxBytes are refused without parsing (strings and bytes)', () => {
    const big = `{"a":"${'x'.repeat(2_000_000)}"}`;
    expect(() => parseJson(big)).toThrow(PayloadValidationError);
    expect(() => parseJson(Buffer.from(big))).toThrow(PayloadValidationError);
    expect(parseJson(big, { maxBytes: 3_000_000 })).toEqual({ a: 'x'.repeat(2_000_000) });
    // Multi-byte characters count as bytes, not UTF-16 units.
    expect(() => parseJson(`"${'é'.repeat(600_000)}"`)).toThrow(PayloadValidationError);
  });

  it('integers longer than Python accepts (4300 digits) are refused', () => {
    expect(() => parseJson(`[${'9'.repeat(4301)}]`)).toThrow(PayloadValidationError);
    expect(parseJson(`[${'9'.repeat(4300)}]`)).toEqual([BigInt('9'.repeat(4300))]);
  });

  it('invalid UTF-8 bytes are refused', () => {
    expect(() => parseJson(Buffer.from([0x22, 0xff, 0x22]))).toThrow(PayloadValidationError);
  });

  it('__proto__ keys become own data properties, never prototypes', () => {
    const fast = parseJson('{"__proto__": {"polluted": 1}}') as Record<string, unknown>;
    const slow = parseJson('{"__proto__": {"polluted": 1.5}}') as Record<string, unknown>;
    for (const object of [fast, slow]) {
      expect(Object.getPrototypeOf(object)).toBe(Object.prototype);
      expect(Object.keys(object)).toEqual(['__proto__']);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('duplicate keys are refused (SPEC §10.3; the reference keeps the last)', () => {
    expect(() => parseJson('{"a":1,"a":2}')).toThrow(PayloadValidationError);
    expect(() => parseJson('{"a":1.5,"a":2}')).toThrow(PayloadValidationError);
  });
});
