/**
 * Fail closed on amnesia on Redis Cluster: each master can lose its state on its own, so the epoch
 * marker is written once per slot and read with the data — by the admission script (the sender's
 * slot), by each revocation read (the revocation key's slot) and by the guard's check (one slot per
 * master). Flushing one master is noticed whichever of the decision's keys it held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentIdentity,
  HandoffGate,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  type SignedTaskPacket,
} from '../support/api.js';
import {
  agentKey,
  createRedisStores,
  RedisStoreState,
  type RedisStores,
} from '../../src/stores/redis/index.js';
import { SLOTS, slotOf, slotTags } from '../../src/stores/redis/slots.js';
import {
  CLUSTER_PORTS,
  makeClusterClient,
  redisClusterAvailable,
  startLocalRedisCluster,
  type LocalRedisCluster,
  type TestClusterClient,
} from '../support/redis-cluster.js';

const available = await redisClusterAvailable();

describe('cluster slots', () => {
  it('every slot has a tag that hashes to it; hash tags and known keys hash as Redis does', () => {
    const tags = slotTags();
    expect(tags).toHaveLength(SLOTS);
    tags.forEach((tag, slot) => {
      expect(slotOf(`{${tag}}`)).toBe(slot);
    });
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('123456789')).toBe(0x31c3 % SLOTS);
    expect(slotOf('{user1000}.following')).toBe(slotOf('{user1000}.followers'));
    expect(slotOf('a{}b')).toBe(slotOf('a{}b')); // an empty tag hashes the whole key
  });
});

describe.skipIf(!available)('Redis Cluster: a master that lost its state', () => {
  let cluster: LocalRedisCluster;
  let client: TestClusterClient;
  let state: RedisStoreState;
  let stores: RedisStores;
  let gate: HandoffGate;
  const sender = AgentIdentity.generate();
  const receiver = AgentIdentity.generate();
  const prefix = 'th-amnesia:';
  const packet = (): SignedTaskPacket =>
    issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
  const envelope = (p: SignedTaskPacket) => createDelegationEnvelope(p, createChain(p));

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ basePort: CLUSTER_PORTS.amnesia });
    client = makeClusterClient(cluster.rootNodes);
    await client.connect();
    state = new RedisStoreState({ client, checkIntervalMs: 0 });
    expect(await state.start()).toBe('lost'); // a new deployment
    expect(state.persistence).toMatchObject({ aofEnabled: false });
    stores = createRedisStores({ client, keyPrefix: prefix, storeState: state });
    gate = new HandoffGate({
      agentId: receiver.agentId,
      registry: stores.agentRegistry,
      replayStore: stores.replayStore,
      revocationStore: stores.revocationStore,
    });
  }, 60_000);
  afterAll(async () => {
    state.close();
    stores.breaker?.close();
    await client.close().catch(() => undefined);
    await cluster.stop();
  });

  const senderMaster = async (): Promise<number> =>
    cluster.masterOf(slotOf(agentKey(`${prefix}agent:`, sender.agentId)));

  it('flushing the sender’s master: the admission script sees its marker gone', async () => {
    await state.trustStoreState();
    await stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    const p = packet();
    expect((await gate.handle(envelope(p))).decision).toBe('ACCEPT');
    expect(gate.path).toBe('admission');
    await cluster.cli(await senderMaster(), 'FLUSHALL');
    await stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    expect((await gate.handle(envelope(p))).reason).toBe('store_state_lost');
    expect(state.status).toBe('lost');
  });

  it('flushing another master that held a revocation: the revocation read sees its marker gone', async () => {
    await state.trustStoreState();
    await stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    const own = await senderMaster();
    // A packet whose revocation key lives on another master than the sender's keys.
    let revoked = packet();
    while ((await cluster.masterOf(slotOf(`${prefix}revocation:${revoked.packet_id}`))) === own)
      revoked = packet();
    await stores.revocationStore.revoke(revoked.packet_id);
    expect((await gate.handle(envelope(revoked))).reason).toBe('capability_revoked');
    await cluster.cli(await cluster.masterOf(slotOf(`${prefix}revocation:${revoked.packet_id}`)), 'FLUSHALL');
    // The sender's slot still holds its marker, registration and replay records; the revocation is gone.
    expect((await gate.handle(envelope(revoked))).reason).toBe('store_state_lost');
    expect(state.status).toBe('lost');
  });

  it('the guard’s own check reads one marker per master and notices any flushed master', async () => {
    await state.trustStoreState();
    expect(await state.check()).toBe('trusted');
    const master = await cluster.masterOf(0);
    await cluster.cli(master, 'FLUSHALL');
    expect(await state.check()).toBe('lost');
    await state.trustStoreState();
    expect(await state.check()).toBe('trusted');
  });
});
