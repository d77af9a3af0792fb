import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quickstart } from '../../examples/quickstart.js';

describe('README quickstart', () => {
  it('runs and shows what the README says', async () => {
    expect(await quickstart()).toEqual({
      signatureOk: true,
      validation: { isValid: true },
      tamperedOk: false,
      writeTtl: 120,
      unreviewed: { isValid: false, reason: 'human_review_required' },
      approved: { isValid: true },
    });
  });

  it('is embedded in the README verbatim', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../examples/quickstart.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
  });
});
