/** The documented walkthrough (docs/capabilities.md, examples/capability-walkthrough.ts) runs as described. */
import { describe, expect, it } from 'vitest';
import { capabilityWalkthrough } from '../../examples/capability-walkthrough.js';

describe('capability walkthrough', () => {
  it('planner → researcher → writer behaves as documented', async () => {
    expect(await capabilityWalkthrough()).toEqual({
      refused: 'actions_widened',
      used: { ok: true, result: { pages: 12 } },
      exhausted: {
        ok: false,
        reason: 'action_not_authorized',
        details: { detail: 'tool_budget_exhausted' },
      },
      viaPacket: { ok: true, result: 'summary written' },
      afterRevocation: {
        ok: false,
        reason: 'capability_chain_invalid',
        details: { detail: 'revoked', index: 1, capability_id: expect.any(String) as string },
      },
      audit: ['execution_allowed', 'action_not_authorized', 'execution_allowed', 'capability_chain_invalid'],
      firstEnvelope: true,
      replayedEnvelope: 'replayed_nonce',
    });
  });
});
