import { describe, expect, it } from 'vitest';
import { quickstart } from '../../examples/quickstart.js';

describe('docs/packets.md quickstart', () => {
  it('runs and shows what the page says', async () => {
    expect(await quickstart()).toEqual({
      signatureOk: true,
      validation: { isValid: true },
      tamperedOk: false,
      writeTtl: 120,
      unreviewed: { isValid: false, reason: 'human_review_required' },
      approved: { isValid: true },
    });
  });
});
