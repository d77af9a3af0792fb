import { describe, expect, it } from 'vitest';
import { mcpToolExample } from '../../../examples/mcp-tool.js';

describe('examples/mcp-tool.ts', () => {
  it('accepts the legit and the rightful call, refuses wrong tool, swapped arguments and replay', async () => {
    const out = await mcpToolExample();
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
    expect(out['rightful']).toMatchObject({ ok: true, result: { path: '/srv/report.txt' } });
    expect(out['replayed']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'Replay detected' },
    });
  });
});
