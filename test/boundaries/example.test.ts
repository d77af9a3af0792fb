/** The example of docs/boundaries.md runs as documented. */
import { describe, expect, it } from 'vitest';
import { trustBoundariesExample } from '../../examples/trust-boundaries.js';

describe('trust boundaries example', () => {
  it('refuses at the partner boundary, accepts the same envelope internally', async () => {
    expect(await trustBoundariesExample()).toEqual({
      partner: 'ACCEPT Packet verified and valid',
      longLivedAtPartner: 'REJECT boundary_lifetime_exceeded',
      longLivedInternal: 'ACCEPT Packet verified and valid',
      unknownTransport: 'REJECT boundary_unmatched',
    });
  });
});
