/**
 * PostgreSQL as the system of record for who is trusted and what is revoked, Redis for the hot nonce
 * path: one gate over a PostgreSQL registry and revocation store and a Redis replay store. Decisions
 * follow the database at once (registration, rotation, revocation by another process), replays are
 * caught by Redis, and when PostgreSQL is unreachable the gate rejects with the store's reason —
 * never ACCEPT — and recovers when it is back.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AgentIdentity,
  REASONS,
  HandoffGate,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  replayKey,
  type SignedTaskPacket,
} from '../support/api.js';
import {
  PostgresAgentRegistry,
  PostgresRevocationStore,
  createPostgresStores,
  migrate,
} from '../../src/stores/postgres/index.js';
import { RedisReplayStore } from '../../src/stores/redis/index.js';
import { replayStoreKey } from '../../src/stores/redis/keys.js';
import { POSTGRES_URL, REDIS_URL, postgresAvailable, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { dropSchemas, makePool, runSchema, viaPort, type TestPool } from '../stores/postgres-pools.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from '../stores/redis-clients.js';
import { receiver } from './support.js';

const available = (await postgresAvailable()) && (await redisAvailable());
// Liveness, not speed: a decision that has not come back after this long means the gate hung.
const HANG = 15_000;
const COMMAND_TIMEOUT_MS = 300;

function within<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => {
        reject(new Error('gate did not decide: hung'));
      }, HANG).unref(),
    ),
  ]);
}

type Decision = Awaited<ReturnType<HandoffGate['handle']>>;

const packetFrom = (identity: AgentIdentity): SignedTaskPacket =>
  issueTaskPacket(identity, { to_agent: receiver.agentId, intent: 'summarize', risk_level: 'read' });
const envelope = (p: SignedTaskPacket) => createDelegationEnvelope(p, createChain(p));

describe.skipIf(!available)('a gate on PostgreSQL (registry, revocations) and Redis (replay)', () => {
  const schema = runSchema();
  const prefix = runPrefix();
  let admin: TestPool;
  let redis: TestRedisClient;
  let registryProxy: TcpProxy;
  let revocationProxy: TcpProxy;
  const pools: TestPool[] = [];
  let gate: HandoffGate;
  // The operator's view: another process writing to the same database.
  let operator: ReturnType<typeof createPostgresStores>;

  beforeAll(async () => {
    admin = makePool(POSTGRES_URL, { max: 2 });
    await migrate(admin, { schema });
    operator = createPostgresStores({ pool: admin, schema });
    redis = makeClient(REDIS_URL);
    await redis.connect();
    const { hostname, port } = new URL(POSTGRES_URL);
    const target = { targetHost: hostname, targetPort: Number(port || 5432) };
    // One proxy per store, so that each store's outage can be shown on its own.
    registryProxy = await TcpProxy.open(target);
    revocationProxy = await TcpProxy.open(target);
    const registryPool = makePool(viaPort(POSTGRES_URL, registryProxy.port), { max: 4 });
    const revocationPool = makePool(viaPort(POSTGRES_URL, revocationProxy.port), { max: 4 });
    pools.push(registryPool, revocationPool);
    gate = new HandoffGate({
      agentId: receiver.agentId,
      registry: new PostgresAgentRegistry({
        pool: registryPool,
        schema,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      }),
      revocationStore: new PostgresRevocationStore({
        pool: revocationPool,
        schema,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
      }),
      replayStore: new RedisReplayStore({ client: redis, keyPrefix: `${prefix}replay:` }),
    });
  });

  afterAll(async () => {
    await registryProxy.stop();
    await revocationProxy.stop();
    await Promise.all(pools.map((pool) => pool.end()));
    await dropSchemas(admin, [schema]);
    await admin.end();
    await deleteKeys(redis, prefix);
    await redis.close();
  });

  it('accepts, rejects a replay, a revoked agent, a revoked packet, and follows a rotation at once', async () => {
    const alice = AgentIdentity.generate();
    const mallory = AgentIdentity.generate();
    const stranger = AgentIdentity.generate();
    await operator.agentRegistry.register(alice.agentId, alice.publicKeyPem);
    await operator.agentRegistry.register(mallory.agentId, mallory.publicKeyPem);

    const first = envelope(packetFrom(alice));
    expect((await gate.handle(first)).decision).toBe('ACCEPT');
    // The nonce lives in Redis, not in PostgreSQL.
    expect(await redis.exists(replayStoreKey(`${prefix}replay:`, replayKey(first.packet)))).toBe(1);
    expect(await gate.handle(first)).toMatchObject({ decision: 'REJECT', reason: REASONS.replayDetected });

    expect((await gate.handle(envelope(packetFrom(mallory)))).decision).toBe('ACCEPT');
    await operator.agentRegistry.revoke(mallory.agentId);
    expect(await gate.handle(envelope(packetFrom(mallory)))).toMatchObject({
      decision: 'REJECT',
      reason: REASONS.agentRevoked,
    });
    // Re-registering does not un-revoke.
    await operator.agentRegistry.register(mallory.agentId, mallory.publicKeyPem);
    expect((await gate.handle(envelope(packetFrom(mallory)))).reason).toBe(REASONS.agentRevoked);

    const revokedPacket = packetFrom(alice);
    await operator.revocationStore.revoke(revokedPacket.packet_id);
    expect(await gate.handle(envelope(revokedPacket))).toMatchObject({
      decision: 'REJECT',
      reason: REASONS.capabilityRevoked,
    });
    // Refused before the replay step: no nonce was spent in Redis on it.
    expect(await redis.exists(`${prefix}replay:${replayKey(revokedPacket)}`)).toBe(0);

    expect(await gate.handle(envelope(packetFrom(stranger)))).toMatchObject({
      decision: 'REJECT',
      reason: REASONS.publicKeyMismatch,
    });

    // Rotation: the operator binds a new key; the old key is refused on the very next packet.
    const rotated = AgentIdentity.generate();
    const beforeRotation = envelope(packetFrom(alice));
    await operator.agentRegistry.register(alice.agentId, rotated.publicKeyPem);
    expect(await gate.handle(beforeRotation)).toMatchObject({
      decision: 'REJECT',
      reason: REASONS.publicKeyMismatch,
    });
  });

  async function decide(n: number, identity: AgentIdentity): Promise<[SignedTaskPacket, Decision][]> {
    const packets = Array.from({ length: n }, () => packetFrom(identity));
    const decisions = await within(Promise.all(packets.map((p) => gate.handle(envelope(p)))));
    return packets.map((p, i) => [p, decisions[i]!]);
  }

  async function untilAccepting(identity: AgentIdentity): Promise<void> {
    await vi.waitFor(
      async () => {
        expect((await gate.handle(envelope(packetFrom(identity)))).decision).toBe('ACCEPT');
      },
      { timeout: 10_000, interval: 100 },
    );
  }

  it('fails closed when PostgreSQL is unreachable — paused or gone — and recovers', async () => {
    const bob = AgentIdentity.generate();
    await operator.agentRegistry.register(bob.agentId, bob.publicKeyPem);
    expect((await decide(10, bob)).every(([, d]) => d.decision === 'ACCEPT')).toBe(true);

    const onlyReason = (decisions: [SignedTaskPacket, Decision][], reason: string): void => {
      expect(decisions.map(([, d]) => [d.decision, d.reason])).toEqual(
        decisions.map(() => ['REJECT', reason]),
      );
    };

    // The registry's connection is paused: bytes held both ways, the store's deadline decides.
    registryProxy.stall();
    const pausedRegistry = await decide(10, bob);
    onlyReason(pausedRegistry, REASONS.registryUnavailable);
    registryProxy.unstall();
    await untilAccepting(bob);
    // A packet refused during the outage spent no nonce: it is accepted now.
    expect((await gate.handle(envelope(pausedRegistry[0]![0]))).decision).toBe('ACCEPT');

    // The registry's server is gone: connections reset, new ones refused.
    await registryProxy.stop();
    onlyReason(await decide(10, bob), REASONS.registryUnavailable);
    await registryProxy.start();
    await untilAccepting(bob);

    // The revocation store alone is paused, then gone.
    revocationProxy.stall();
    const pausedRevocations = await decide(10, bob);
    onlyReason(pausedRevocations, REASONS.revocationStoreUnavailable);
    revocationProxy.unstall();
    await untilAccepting(bob);
    await revocationProxy.stop();
    onlyReason(await decide(10, bob), REASONS.revocationStoreUnavailable);
    await revocationProxy.start();
    await untilAccepting(bob);
    expect((await gate.handle(envelope(pausedRevocations[0]![0]))).decision).toBe('ACCEPT');

    // A revocation written while the gate's connections were down is in force once they are back.
    await registryProxy.stop();
    await operator.agentRegistry.revoke(bob.agentId);
    onlyReason(await decide(5, bob), REASONS.registryUnavailable);
    await registryProxy.start();
    await vi.waitFor(
      async () => {
        expect((await gate.handle(envelope(packetFrom(bob)))).reason).toBe(REASONS.agentRevoked);
      },
      { timeout: 10_000, interval: 100 },
    );
  }, 60_000);
});
