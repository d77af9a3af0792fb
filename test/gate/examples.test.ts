/** The deployment examples of docs/gate.md run as documented. */
import { describe, expect, it } from 'vitest';
import { clusterExample } from '../../examples/gate-cluster.js';
import { singleInstanceExample } from '../../examples/gate-single-instance.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';

const redis = await redisAvailable();

describe('gate examples', () => {
  it('single instance on memory stores', async () => {
    expect(await singleInstanceExample()).toEqual({
      legitimate: 'ACCEPT Task executed → notes on "Example Corp"',
      tampered: 'REJECT Invalid signature',
      replayed: 'REJECT Replay detected',
      misaddressed: 'REJECT wrong_audience',
      unapproved: 'REJECT human_review_required',
      approved: 'ACCEPT Packet verified and valid',
      revokedSender: 'REJECT agent_revoked',
    });
  });

  it.skipIf(!redis)('cluster on Redis', async () => {
    expect(await clusterExample(REDIS_URL)).toEqual({
      sameEnvelopeTwice: 'ACCEPT Packet verified and valid | REJECT Replay detected',
      revokedElsewhere: 'capability_revoked',
    });
  });
});
