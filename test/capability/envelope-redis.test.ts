/**
 * Issue 9.6 on real Redis: two capability-envelope verifiers share one RedisReplayStore, one clock
 * 1.5 s ahead of the other. The nonce must stay in Redis for as long as EITHER verifier would still
 * accept the envelope; before the fix it was kept for `maxAge − age + 1 s` on the accepting (fast)
 * verifier's clock, so the slow verifier accepted the same envelope a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapabilityEnvelopeVerifier,
  Timestamp,
  createCapabilityTokenEnvelope,
  issueCapability,
  serializeCapabilityToken,
} from '../support/api.js';
import { RedisReplayStore } from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';
import { planner, researcher } from './fixture.js';

const available = await redisAvailable();

describe.skipIf(!available)('capability envelope nonces on Redis', () => {
  const prefix = runPrefix();
  let client: TestRedisClient;
  let replayStore: RedisReplayStore;

  beforeAll(async () => {
    client = makeClient(REDIS_URL);
    await client.connect();
    replayStore = new RedisReplayStore({ client, keyPrefix: `${prefix}replay:` });
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.quit();
  });

  it('issue 9.6: verifiers whose clocks differ by 1.5 s, sharing a RedisReplayStore, accept an envelope once', async () => {
    // Redis expires keys on real time; the capability is valid now, on both clocks.
    const root = issueCapability(planner, {
      subject_agent: researcher.agentId,
      delegated_permissions: { allowed_actions: ['read'], max_tool_calls: null },
      expires_at: Timestamp.fromEpochMillis(Date.now() + 3_600_000),
    });
    const verifier = (offsetMs: number): CapabilityEnvelopeVerifier =>
      new CapabilityEnvelopeVerifier({
        trustedRoots: [planner],
        now: () => Date.now() + offsetMs,
        env: {},
        maxAgeSeconds: 2,
        replayStore,
      });
    const ahead = verifier(1500);
    const exact = verifier(0);
    const envelope = createCapabilityTokenEnvelope(serializeCapabilityToken(root), { task: 'read' });
    const sentAt = envelope.issued_at.epochMillis;

    expect(await ahead.verify(envelope, { presenter: researcher.agentId })).toMatchObject({ ok: true });
    // The old rule kept the nonce for 2 − 1.5 + 1 = 1.5 s; the exact verifier accepts until 2 s.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt + 1750 - Date.now())));
    expect(Date.now() - sentAt).toBeLessThan(2000); // still inside the exact verifier's window
    expect(await exact.verify(envelope, { presenter: researcher.agentId })).toEqual({
      ok: false,
      reason: 'replayed_nonce',
    });
    // The key's remaining life in Redis covers the exact verifier's window plus the margin (30 s).
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${prefix}replay:*`, COUNT: 100 }))
      keys.push(...batch);
    expect(keys).toHaveLength(1);
    expect(await client.pTTL(keys[0]!)).toBeGreaterThan(25_000);
  });
});
