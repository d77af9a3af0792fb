/**
 * Unauthenticated input is cheap to refuse (issue 9, item 1): limits are checked before parsing, for
 * text, bytes and objects alike, and the defaults come from what task packets need. The cost figures
 * are in `npm run bench -- worst-input`; these tests pin the mechanism, not the time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_JSON_LIMITS, serializeDelegationEnvelope } from '../support/api.js';
import { fixture } from './support.js';

describe('input limits (issue 9.1)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('defaults to 64 KiB and depth 32', () => {
    expect(DEFAULT_JSON_LIMITS).toMatchObject({ maxBytes: 65_536, maxDepth: 32 });
  });

  it('an unsigned 1 MiB envelope of nested arrays is refused by its size, before any parsing', async () => {
    const f = await fixture();
    const wire = serializeDelegationEnvelope(f.envelope()).replace(
      '"context": {}',
      `"context": {"x": [${Array.from({ length: 20_000 }, () => '[[[[[[[[[[]]]]]]]]]]').join(',')}]}`,
    );
    expect(Buffer.byteLength(wire)).toBeGreaterThan(400_000);
    const parse = vi.spyOn(JSON, 'parse');
    for (const input of [wire, Buffer.from(wire)]) {
      const decision = await f.gate.handle(input);
      expect(decision).toMatchObject({ decision: 'REJECT', reason: 'malformed_envelope' });
      expect(decision.details).toMatchObject({ error: 'ERR_PAYLOAD_VALIDATION' });
    }
    expect(parse).not.toHaveBeenCalled();
  });

  it('an object input over the limit is refused too (the reproduction: a 1.1 MB object was checked in full)', async () => {
    const f = await fixture();
    const e = f.envelope();
    const big = { ...e, packet: { ...e.packet, context: { blob: 'x'.repeat(1_100_000) } } };
    expect(await f.gate.handle(big)).toMatchObject({ decision: 'REJECT', reason: 'malformed_envelope' });
  });

  it('a packet within the limits is accepted, and a deployment that needs more raises them knowingly', async () => {
    const f = await fixture({ limits: { maxBytes: 2_000_000 } });
    const context = { blob: 'x'.repeat(500_000) };
    expect(() => f.packet({ context })).toThrow(expect.objectContaining({ code: 'ERR_PAYLOAD_VALIDATION' }));
    const e = f.envelope();
    expect((await f.gate.handle(serializeDelegationEnvelope(e))).decision).toBe('ACCEPT');
  });
});
