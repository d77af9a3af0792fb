import { describe, expect, it } from 'vitest';
import { langgraphHandoffExample } from '../../../examples/langgraph-handoff.js';

describe('examples/langgraph-handoff.ts', () => {
  it('hands off with a verified result, refuses the replay, verifies the agent tool call', async () => {
    const out = await langgraphHandoffExample();
    expect(out['handoff']).toMatchObject({
      ok: true,
      result: { path: '/srv/report.txt', summary: 'quarterly numbers' },
    });
    expect(out['replayed']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'Replay detected' },
    });
    expect(out['tool']).toMatchObject({ ok: true, result: { path: '/srv/report.txt', bytes: 42 } });
    expect(out['modelSaw']).toBe('{"bytes":42,"path":"/srv/report.txt"}');
    expect(out['audited']).toMatchObject({ ok: true });
  });
});
