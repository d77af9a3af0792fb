import { describe, expect, it } from 'vitest';
import { quickstart } from '../../examples/quickstart.js';

describe('docs/packets.md quickstart', () => {
  it('runs and shows what the page says', async () => {
    expect(await quickstart()).toEqual({
      signatureOk: true,
      validation: { ok: true },
      tamperedOk: false,
      tamperedReason: 'bad_signature',
      writeTtl: 120,
      unreviewed: { ok: false, reason: 'human_review_required' },
      approved: { ok: true },
    });
  });
});
