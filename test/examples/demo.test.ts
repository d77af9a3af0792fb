import { afterEach, describe, expect, it, vi } from 'vitest';

describe('npm run demo', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('accepts the legitimate packet and result, rejects tampering, replays and a misaddressed packet', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    await import('../../examples/demo.js');
    const text = lines.join('\n');
    expect(text).toMatch(/legitimate packet +→ ACCEPT Task executed/);
    expect(text).toMatch(/tampered packet +→ REJECT Invalid signature/);
    expect(text).toMatch(/replayed packet +→ REJECT Replay detected/);
    expect(text).toMatch(/misaddressed packet → REJECT wrong_audience/);
    expect(text).toMatch(/attested result +→ ACCEPTED/);
    expect(text).toMatch(/tampered result +→ REJECTED outcome_hash_mismatch/);
    expect(text).toMatch(/replayed result +→ REJECTED attestation_replayed/);
  });
});
