import { describe, expect, it } from 'vitest';
import { openAiAgentsHandoffExample } from '../../../examples/openai-agents-handoff.js';

describe('examples/openai-agents-handoff.ts', () => {
  it('the signed handoff authorizes the one call; swapped arguments are refused by the guardrail', async () => {
    const out = await openAiAgentsHandoffExample();
    expect(out['legit']).toMatchObject({ ok: true, result: { path: '/srv/report.txt', bytes: 42 } });
    expect(out['swappedArguments']).toMatchObject({
      ok: false,
      reason: 'call_rejected',
      details: { reason: 'tool_arguments_mismatch' },
    });
  });
});
