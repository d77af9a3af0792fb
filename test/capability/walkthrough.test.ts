/** The documented walkthrough (docs/capabilities.md, examples/capability-walkthrough.ts) runs as described. */
import { describe, expect, it } from 'vitest';
import { capabilityWalkthrough } from '../../examples/capability-walkthrough.js';

describe('capability walkthrough', () => {
  it('planner → researcher → writer behaves as documented', async () => {
    expect(await capabilityWalkthrough()).toEqual({
      refused: 'actions_widened',
      used: { allowed: true, result: { pages: 12 } },
      exhausted: { allowed: false, reason: 'action_not_authorized', detail: 'tool_budget_exhausted' },
      viaPacket: { allowed: true, result: 'summary written' },
      afterRevocation: { allowed: false, reason: 'capability_chain_invalid', detail: 'revoked' },
      audit: ['execution_allowed', 'action_not_authorized', 'execution_allowed', 'capability_chain_invalid'],
      firstEnvelope: true,
      replayedEnvelope: 'replayed_nonce',
    });
  });
});
