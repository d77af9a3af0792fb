import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('README: hello handoff', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints what its comments say: ACCEPT, then a replay and a tampered copy rejected', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    await import('../../examples/hello-handoff.js');
    expect(lines).toEqual(['ACCEPT Packet verified and valid', 'Replay detected', 'Invalid signature']);
  });

  it('is embedded in the README verbatim', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../examples/hello-handoff.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
  });
});
