import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CanonicalizationError,
  canonicalCapabilityJson,
  canonicalOutcomeJson,
  canonicalPacketJson,
  compareCodePoints,
  JsonFloat,
  sortByCodePoint,
  Timestamp,
} from '../support/api.js';
import { anyString, wellFormedString } from '../support/arbitraries.js';

// Oracle for Python's ensure_ascii: JSON.stringify escapes the same C0/quote/backslash set the same way
// and lone surrogates as \udXXX; Python additionally escapes DEL and everything non-ASCII.
function pythonAsciiOracle(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function codePointOrder(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe('strings', () => {
  it('ASCII escaping matches Python ensure_ascii for any UTF-16 string (property)', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, fc.string({ unit: 'binary', maxLength: 200 })), (s) => {
        expect(canonicalPacketJson(s)).toBe(pythonAsciiOracle(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('raw UTF-8 escaping (SPEC §2.4) matches Python ensure_ascii=False', () => {
    fc.assert(
      fc.property(wellFormedString, (s) => {
        expect(canonicalOutcomeJson({ s })).toBe(`{"s":${JSON.stringify(s)}}`);
      }),
    );
    expect(canonicalOutcomeJson({ s: 'é\u007f\u2028😀' })).toBe('{"s":"é\u007f\u2028😀"}');
    expect(() => canonicalOutcomeJson({ s: '\ud800' })).toThrow(CanonicalizationError);
  });

  it('the reference vector cases', () => {
    expect(canonicalPacketJson('line\nbreak\ttab\u0001\u001f\u007f')).toBe(
      '"line\\nbreak\\ttab\\u0001\\u001f\\u007f"',
    );
    expect(canonicalPacketJson('"\\/')).toBe('"\\"\\\\/"');
    expect(canonicalPacketJson('\u2028\u2029')).toBe('"\\u2028\\u2029"');
    expect(canonicalPacketJson('😀')).toBe('"\\ud83d\\ude00"');
  });
});

describe('key order', () => {
  it('sorts by code point, not UTF-16 unit: "😀" after "\\uffff"', () => {
    expect(sortByCodePoint(['😀', '\uffff', 'a', 'Z', 'é'])).toEqual(['Z', 'a', 'é', '\uffff', '😀']);
  });

  it('a lone high surrogate before a pair sorts by the code points, not by a shared unit', () => {
    // Found by the property below: U+D800 U+1F600 > U+D800 U+D800.
    expect(compareCodePoints('\ud800😀', '\ud800\ud800')).toBeGreaterThan(0);
    expect(compareCodePoints('\ud800\ud800', '\ud800😀')).toBeLessThan(0);
    expect(compareCodePoints('😀', '\ud83d\ud83d')).toBeGreaterThan(0);
  });

  it('compareCodePoints agrees with code point order for any strings, lone surrogates included (property)', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(codePointOrder(a, b)));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('layouts', () => {
  const value = {
    b: [1, new JsonFloat(2)],
    a: { y: null, x: true },
    t: Timestamp.parse('2026-03-08T12:00:00Z'),
  };

  it('SPEC §2.1: compact, sorted, §2.1 datetimes', () => {
    expect(canonicalPacketJson(value)).toBe(
      '{"a":{"x":true,"y":null},"b":[1,2.0],"t":"2026-03-08T12:00:00Z"}',
    );
  });

  it('SPEC §2.3: ", " and ": " separators, Python str() datetimes', () => {
    expect(canonicalCapabilityJson(value)).toBe(
      '{"a": {"x": true, "y": null}, "b": [1, 2.0], "t": "2026-03-08 12:00:00+00:00"}',
    );
  });

  it('SPEC §2.4: integers only, no datetimes, depth ≤ 100', () => {
    expect(canonicalOutcomeJson({ n: 5, big: 2n ** 70n })).toBe('{"big":1180591620717411303424,"n":5}');
    expect(() => canonicalOutcomeJson({ f: 0.5 })).toThrow(CanonicalizationError);
    expect(() => canonicalOutcomeJson({ f: new JsonFloat(1) })).toThrow(CanonicalizationError);
    expect(() => canonicalOutcomeJson({ t: value.t })).toThrow(CanonicalizationError);
    // 101 nested objects: the innermost (empty) one sits at the reference's depth 100, the limit.
    let deep: unknown = {};
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(() => canonicalOutcomeJson(deep)).not.toThrow();
    expect(() => canonicalOutcomeJson({ d: deep })).toThrow(CanonicalizationError);
    // A scalar at the reference's depth 101 is refused too, not only containers.
    let withScalar: unknown = 1;
    for (let i = 0; i < 101; i++) withScalar = { d: withScalar };
    expect(() => canonicalOutcomeJson(withScalar)).toThrow(CanonicalizationError);
  });
});

describe('values with no canonical form', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
    ['undefined', undefined],
    ['a Map', new Map()],
    ['a Date (use Timestamp)', new Date()],
    ['a class instance', Object.create({ inherited: true }) as unknown],
    ['undefined in an array', [undefined]],
  ])('%s is a CanonicalizationError', (_name, value) => {
    expect(() => canonicalPacketJson(value)).toThrow(CanonicalizationError);
  });

  it('a cycle is refused (depth limit), not a stack overflow', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalPacketJson(cyclic)).toThrow(CanonicalizationError);
  });

  it('a property holding undefined is absent, as in JSON.stringify', () => {
    expect(canonicalPacketJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});
