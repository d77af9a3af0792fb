import { describe, expect, it } from 'vitest';
import { threeAgentChain } from '../../examples/three-agent-chain.js';

describe('docs/tutorial.md three-agent chain (planner → researcher → writer)', () => {
  it('runs from root capability to attested result as the tutorial says', async () => {
    expect(await threeAgentChain()).toEqual({
      gate: 'ACCEPT Packet verified and valid',
      tamperedResult: 'REJECTED outcome_hash_mismatch',
      result: 'ACCEPTED',
      replayedResult: 'REJECTED attestation_replayed',
    });
  });
});
