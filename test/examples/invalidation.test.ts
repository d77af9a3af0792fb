import { afterEach, describe, expect, it, vi } from 'vitest';

describe('docs/invalidation.md example', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints what its comments say: the running task is stopped and its result withheld', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    await import('../../examples/invalidation.js');
    expect(lines).toEqual(['REJECT invalidated', 'false']);
  });
});
