import { describe, expect, it } from 'vitest';
import { a2aAgentExample } from '../../../examples/a2a-agent.js';

describe('examples/a2a-agent.ts', () => {
  it('accepts the signed skill call with its attestation and refuses the replayed message', async () => {
    const out = await a2aAgentExample();
    expect(out['legit']).toMatchObject({ ok: true, result: { path: '/srv/report.txt', bytes: 42 } });
    expect(out['replayed']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'Replay detected' },
    });
  });
});
