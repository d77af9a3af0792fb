import { afterEach, describe, expect, it, vi } from 'vitest';

describe('docs/crypto-backends.md: the libsodium backend', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('signs and verifies through sodium-native and accepts the packet', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    await import('../../examples/sodium-backend.js');
    expect(lines).toEqual(['ACCEPT']);
  });
});
