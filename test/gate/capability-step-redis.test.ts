/**
 * The capability step on real Redis stores: the gate and its capability step on one client (the
 * one-call admission path), a revoked link stored in Redis, and the step's stores behind a TCP proxy
 * that stalls — the step fails closed within its deadline, the nonce stays unspent, and the same
 * envelope is accepted once Redis answers again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  HandoffGate,
  createDelegationEnvelope,
  deriveCapability,
  serializeCapabilityToken,
  issueTaskPacket,
  type GateEnvelope,
  type SignedTaskPacket,
} from '../support/api.js';
import { RedisAgentRegistry, RedisReplayStore, RedisRevocationStore } from '../../src/stores/redis/index.js';
import { capabilityStep, type CapabilityStepOptions } from '../../src/gate/steps/capability.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';
import { NOW_MS, clock, planner, researcher, rootCapability } from '../capability/fixture.js';

const available = await redisAvailable();

const inbox = AgentIdentity.generate();
const courier = AgentIdentity.generate();
const root = rootCapability();
const child = deriveCapability(
  root,
  researcher,
  {
    capability_id: 'cap-redis-child',
    subject_agent: courier.agentId,
    delegated_permissions: { allowed_actions: ['search'], max_tool_calls: 3 },
  },
  { now: clock },
);
const TOKENS = [serializeCapabilityToken(root), serializeCapabilityToken(child)];

describe.skipIf(!available)('capability step on Redis', () => {
  const prefix = runPrefix();
  let client: TestRedisClient;
  let registry: RedisAgentRegistry;
  let revocations: RedisRevocationStore;
  let replayStore: RedisReplayStore;
  const now = (): number => NOW_MS;

  beforeAll(async () => {
    client = makeClient(REDIS_URL);
    await client.connect();
    registry = new RedisAgentRegistry({ client, keyPrefix: `${prefix}agent:` });
    revocations = new RedisRevocationStore({ client, keyPrefix: `${prefix}rev:` });
    replayStore = new RedisReplayStore({ client, keyPrefix: `${prefix}replay:` });
    for (const identity of [planner, researcher, courier, inbox])
      await registry.register(identity.agentId, identity.publicKeyPem);
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    await client.close();
  });

  const gate = (step: Partial<CapabilityStepOptions> = {}): HandoffGate =>
    new HandoffGate({
      agentId: inbox.agentId,
      registry,
      replayStore,
      revocationStore: revocations,
      now,
      env: {},
      extraSteps: [
        capabilityStep({
          trustedRoots: [planner],
          registry,
          revocationStore: revocations,
          now,
          env: {},
          ...step,
        }),
      ],
    });
  const packet = (): SignedTaskPacket =>
    issueTaskPacket(
      courier,
      { to_agent: inbox.agentId, intent: 'search', risk_level: 'read', capability_token: TOKENS[1]! },
      { now },
    );
  const envelope = (p: SignedTaskPacket): GateEnvelope => ({
    ...createDelegationEnvelope(p),
    capability_chain: TOKENS,
  });

  it('accepts a valid chain on the one-call path, and refuses the replay', async () => {
    const g = gate();
    expect(g.path).toBe('admission');
    const p = packet();
    expect((await g.handle(envelope(p))).decision).toBe('ACCEPT');
    expect(await g.handle(envelope(p))).toMatchObject({ decision: 'REJECT', reason: 'Replay detected' });
  });

  it('rejects a chain whose root is revoked in Redis, without spending the nonce', async () => {
    const rootRevoked = new RedisRevocationStore({ client, keyPrefix: `${prefix}rev-root:` });
    await rootRevoked.revoke('cap-root');
    const p = packet();
    expect(await gate({ revocationStore: rootRevoked }).handle(envelope(p))).toMatchObject({
      decision: 'REJECT',
      reason: 'capability_revoked',
      details: { chain_reason: 'revoked', index: 0 },
    });
    expect((await gate().handle(envelope(p))).decision).toBe('ACCEPT');
  });

  it('fails closed within its deadline when the step’s Redis stalls, and the envelope is accepted later', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    const proxied = makeClient(proxy.url);
    await proxied.connect();
    try {
      const stalled = {
        registry: new RedisAgentRegistry({ client: proxied, keyPrefix: `${prefix}agent:` }),
        revocationStore: new RedisRevocationStore({ client: proxied, keyPrefix: `${prefix}rev:` }),
        storeTimeoutMs: 200,
      };
      const p = packet();
      proxy.stall();
      const started = performance.now();
      expect(await gate(stalled).handle(envelope(p))).toMatchObject({
        decision: 'REJECT',
        reason: 'capability_store_unavailable',
      });
      expect(performance.now() - started).toBeLessThan(5000);
      proxy.unstall();
      // The same envelope, to a gate whose capability stores answer: not a replay.
      expect((await gate().handle(envelope(p))).decision).toBe('ACCEPT');
    } finally {
      proxied.destroy();
      await proxy.stop();
    }
  });
});
