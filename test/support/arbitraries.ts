/** fast-check arbitraries for JSON values as this library holds them (bigint, JsonFloat, any unicode). */
import fc from 'fast-check';
import { JsonFloat, type JsonValue } from '../support/api.js';

/** Strings over all of UTF-16: astral pairs, lone surrogates, controls, U+2028/2029, DEL. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      '\u2028',
      '\u2029',
      '\u007f',
      '\u0000',
      '\n',
      '"',
      '\\',
      '/',
      '\ud83d\ude00',
      '\uffff',
      '\ud800',
      '\udfff',
      'é',
      'a',
    ),
    maxLength: 8,
  }),
);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * {@link anyString} without lone surrogates: what an object key may be (SPEC §10.3 refuses keys with
 * lone surrogates when signing and parsing; string values keep them).
 */
export const anyKey: fc.Arbitrary<string> = anyString.filter((s) => !LONE_SURROGATE.test(s));

/** Strings that are well-formed UTF-16 (no lone surrogates): what raw UTF-8 output can carry. */
export const wellFormedString: fc.Arbitrary<string> = fc.string({ unit: 'grapheme', maxLength: 12 });

const beyondSafe: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 2n ** 200n }),
  fc.bigInt({ min: -(2n ** 200n), max: BigInt(Number.MIN_SAFE_INTEGER) - 1n }),
);

const integralDouble: fc.Arbitrary<JsonFloat> = fc
  .oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.constantFrom(0, -0, 1e15, 1e16, 1e20, 2 ** 60, -(2 ** 70)))
  .map((x) => new JsonFloat(x));

export const jsonLeaf: fc.Arbitrary<JsonValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  anyString,
  fc.integer(),
  fc.maxSafeInteger(),
  beyondSafe,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(5e-324, 1e-7, 1.5e300, 0.1, 1e21, 1e-5),
  integralDouble,
);

export function jsonValue(keys: fc.Arbitrary<string> = anyKey, maxDepth = 4): fc.Arbitrary<JsonValue> {
  const { value } = fc.letrec<{ value: JsonValue; array: JsonValue[]; object: Record<string, JsonValue> }>(
    (tie) => ({
      value: fc.oneof({ depthSize: 'small', maxDepth }, jsonLeaf, tie('array'), tie('object')),
      array: fc.array(tie('value'), { maxLength: 4 }),
      object: fc.dictionary(keys, tie('value'), { maxKeys: 5 }),
    }),
  );
  return value;
}

export function jsonObject(keys: fc.Arbitrary<string> = anyKey): fc.Arbitrary<Record<string, JsonValue>> {
  return fc.dictionary(keys, jsonValue(keys), { maxKeys: 6 });
}
