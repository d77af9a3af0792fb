import { describe, expect, it } from 'vitest';
import { aiSdkToolExample } from '../../../examples/ai-sdk-tool.js';

describe('examples/ai-sdk-tool.ts', () => {
  it('accepts the legit and the rightful call, denies wrong tool, swapped arguments and replay', async () => {
    const out = await aiSdkToolExample();
    expect(out['legit']).toMatchObject({ ok: true, result: { path: '/srv/report.txt', bytes: 42 } });
    expect(out['wrongTool']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'tool_name_mismatch' },
    });
    expect(out['swappedArguments']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'tool_arguments_mismatch' },
    });
    expect(out['rightful']).toMatchObject({ ok: true, result: { path: '/srv/report.txt', bytes: 42 } });
    expect(out['replayed']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'Replay detected' },
    });
  });
});
