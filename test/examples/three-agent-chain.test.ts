import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { threeAgentChain } from '../../examples/three-agent-chain.js';

describe('README three-agent chain (planner → researcher → writer)', () => {
  it('runs from root capability to attested result as the README says', async () => {
    expect(await threeAgentChain()).toEqual({
      gate: 'ACCEPT Packet verified and valid',
      tamperedResult: 'REJECTED outcome_hash_mismatch',
      result: 'ACCEPTED',
      replayedResult: 'REJECTED attestation_replayed',
    });
  });

  it('is embedded in the README verbatim', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('../../examples/three-agent-chain.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
  });
});
