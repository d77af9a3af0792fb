/**
 * Issue 9.3 / SPEC §10.3: wire JSON means one thing. Duplicate object keys and object keys with lone
 * surrogates are refused on both parser paths (the JSON.parse fast path and the lossless parser), and
 * the encoder refuses to sign a key with a lone surrogate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AmbiguousJsonError,
  CanonicalizationError,
  PayloadValidationError,
  canonicalCapabilityJson,
  canonicalPacketJson,
  encodeJson,
  parseJson,
  type JsonValue,
} from '../support/api.js';
import { jsonValue, wellFormedString } from '../support/arbitraries.js';

/** Both parser paths: a float anywhere sends the whole document to the lossless parser. */
function bothPaths(text: string): readonly string[] {
  return [text, `[${text},1.5]`];
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectAmbiguous(text: string, detail: 'duplicate_key' | 'lone_surrogate_key'): void {
  const error = thrownBy(() => parseJson(text));
  expect(error).toBeInstanceOf(AmbiguousJsonError);
  expect(error).toBeInstanceOf(PayloadValidationError);
  expect((error as AmbiguousJsonError).code).toBe('ERR_AMBIGUOUS_JSON');
  expect((error as AmbiguousJsonError).detail).toBe(detail);
}

describe('duplicate object keys', () => {
  it('refuses duplicate object keys (issue 9.3)', () => {
    for (const text of bothPaths('{"a":1,"a":2}')) expectAmbiguous(text, 'duplicate_key');
    // The finding: a signed value and a different unsigned one under the same key.
    const packet = '{"packet":{"intent":"summarize","context":{"amount":10,"amount":1000000}},"chain":{}}';
    for (const text of bothPaths(packet)) expectAmbiguous(text, 'duplicate_key');
    expect(() => JSON.parse(packet) as unknown).not.toThrow();
  });

  it('is not fooled by colons, quotes or escapes inside strings', () => {
    for (const text of bothPaths('{"a:b":"c:d","a":"\\":","a\\"":1,"b":[":",{"a":1}]}')) {
      expect(() => parseJson(text)).not.toThrow();
    }
    for (const text of bothPaths('{"a\\"":1,"a\\"":2}')) expectAmbiguous(text, 'duplicate_key');
    // The same key spelled two ways is the same key.
    for (const text of bothPaths('{"a":1,"\\u0061":2}')) expectAmbiguous(text, 'duplicate_key');
    for (const text of bothPaths('{"__proto__":1,"__proto__":2}')) expectAmbiguous(text, 'duplicate_key');
  });

  it('refuses duplicate keys at any depth, on both paths (property)', () => {
    const wrapper = fc.constantFrom(
      (t: string) => `[${t}]`,
      (t: string) => `{"w":${t}}`,
      (t: string) => `[1,"x",${t},null]`,
      (t: string) => `{"a":{},"m":${t},"z":[]}`,
    );
    fc.assert(
      fc.property(
        fc.dictionary(wellFormedString, jsonValue(wellFormedString, 2), { minKeys: 1, maxKeys: 5 }),
        fc.nat(),
        jsonValue(wellFormedString, 2),
        fc.array(wrapper, { maxLength: 6 }),
        (object, pick, otherValue, wrappers) => {
          const keys = Object.keys(object);
          const key = keys[pick % keys.length]!;
          const inner = encodeJson(object, { sortKeys: false });
          let text = `${inner.slice(0, -1)},${encodeJson(key)}:${encodeJson(otherValue)}}`;
          for (const wrap of wrappers) text = wrap(text);
          for (const candidate of bothPaths(text)) expectAmbiguous(candidate, 'duplicate_key');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on duplicate-free input (property)', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        const parsed = parseJson(text);
        // Documents without floats or long integers: the same values as JSON.parse, exactly.
        if (!/[.eE]|\d{16}/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) {
          expect(parsed).toEqual(JSON.parse(text));
        }
        // Any document: the same canonical bytes from the lossless path and the fast path.
        const slow = parseJson(`[${text},1.5]`) as JsonValue[];
        expect(canonicalPacketJson(slow[0])).toBe(canonicalPacketJson(parsed));
      }),
      { numRuns: 500 },
    );
  });
});

describe('object keys with lone surrogates', () => {
  it('refuses object keys with lone surrogates when parsing (issue 9.3)', () => {
    for (const key of ['\\ud800', '\\udfff', 'a\\ud83d', '\\ude00b', '\\ud83d\\ud83d']) {
      for (const text of bothPaths(`{"ok":1,"nested":[{"${key}":1}]}`)) {
        expectAmbiguous(text, 'lone_surrogate_key');
      }
    }
    // A raw lone surrogate in the text (a JS string can hold one) is refused the same way.
    for (const text of bothPaths('{"\ud800":1}')) expectAmbiguous(text, 'lone_surrogate_key');
  });

  it('keeps accepting lone surrogates in string values and valid pairs in keys', () => {
    for (const text of bothPaths('{"a":"\\ud800","\\ud83d\\ude00":"\\udfff x","b":["\\ud800"]}')) {
      expect(() => parseJson(text)).not.toThrow();
    }
  });

  it('refuses to encode (so to sign) object keys with lone surrogates, naming the path (issue 9.3)', () => {
    const value = { context: { ok: 1, list: [{ 'bad\ud800': 1 }] } };
    for (const encode of [
      canonicalPacketJson,
      canonicalCapabilityJson,
      (v: unknown) => encodeJson(v),
      (v: unknown) => encodeJson(v, { asciiOnly: false }),
    ]) {
      const error = thrownBy(() => encode(value));
      expect(error).toBeInstanceOf(CanonicalizationError);
      expect((error as CanonicalizationError).code).toBe('ERR_CANONICALIZATION');
      expect((error as CanonicalizationError).path).toBe('$.context.list[0]["bad\\ud800"]');
    }
    // Lone surrogates in values and valid pairs in keys still encode.
    expect(canonicalPacketJson({ 'a\ud83d\ude00': '\ud800' })).toBe('{"a\\ud83d\\ude00":"\\ud800"}');
  });
});
