/** snapshotJson against the plain reference (structuredClone): equal values, deep-frozen, never shared. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { snapshotJson } from '../support/api.js';

function assertDeepFrozen(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  expect(Object.isFrozen(value)).toBe(true);
  for (const item of Object.values(value)) assertDeepFrozen(item);
}

describe('snapshotJson', () => {
  it('copies any JSON value exactly, deep-frozen, sharing no container with the input', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const reference = structuredClone(value);
        const copy = snapshotJson(value);
        expect(copy).toEqual(reference);
        assertDeepFrozen(copy);
        if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses exactly the inputs over its byte budget', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 400 }), (s, maxBytes) => {
        const fits = s.length + 2 + 2 + 1 + 3 <= maxBytes; // {"k": "<s>"} as counted: braces, key, string
        const attempt = (): unknown => snapshotJson({ k: s }, { maxBytes });
        if (fits) expect(attempt()).toEqual({ k: s });
        else expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
      }),
    );
  });
});
