/**
 * The Redis stores on a real Redis Cluster (3 masters + 3 replicas on loopback, started here): the
 * store contract, the admission contract in one round trip, the key layout (a sender's keys in one
 * slot) and the replica-acknowledgement option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import { parsePublicKeyPem } from '../../src/identity/keys.js';
import { isAdmissionCapable } from '../../src/stores/index.js';
import {
  agentKey,
  createRedisStores,
  RedisAgentRegistry,
  RedisCoordinationLock,
  RedisOverlapWindow,
  RedisReplayStore,
  RedisRevocationStore,
  replayStoreKey,
  RedisInvalidationFeed,
  type CreateRedisStoresOptions,
} from '../../src/stores/redis/index.js';
import type { Invalidation } from '../../src/stores/types.js';
import { RedisAdmissionStore } from '../../src/stores/redis/admission-store.js';
import { replayKey } from '../../src/gate/index.js';
import { admissionStoreContract, type AdmissionHandles } from './admission-contract.js';
import { runStoreContract, type StoreBackend } from './contract.js';
import { runPrefix } from './redis-clients.js';
import {
  CLUSTER_PORTS,
  makeClusterClient,
  redisClusterAvailable,
  startLocalRedisCluster,
  type LocalRedisCluster,
  type TestClusterClient,
} from '../support/redis-cluster.js';

const available = await redisClusterAvailable();
const prefix = runPrefix();
let cluster: LocalRedisCluster | undefined;
const clients: TestClusterClient[] = [];
let turn = 0;
const nextClient = (): TestClusterClient => clients[turn++ % clients.length]!;

describe.skipIf(!available)('Redis stores on Redis Cluster', () => {
  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ basePort: CLUSTER_PORTS.stores });
    // Several cluster clients, so that "concurrent verifiers" race on the servers.
    for (let i = 0; i < 3; i++) clients.push(makeClusterClient(cluster.rootNodes));
    await Promise.all(clients.map((client) => client.connect()));
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await cluster?.stop();
  });

  const backend: StoreBackend = {
    name: 'redis cluster',
    replayStore: (namespace) =>
      new RedisReplayStore({ client: nextClient(), keyPrefix: `${prefix}${namespace}:replay:` }),
    revocationStore: (namespace) =>
      new RedisRevocationStore({ client: nextClient(), keyPrefix: `${prefix}${namespace}:revocation:` }),
    agentRegistry: (namespace) =>
      new RedisAgentRegistry({ client: nextClient(), keyPrefix: `${prefix}${namespace}:agent:` }),
    overlapWindow: (namespace, windowSeconds) =>
      new RedisOverlapWindow({
        client: nextClient(),
        keyPrefix: `${prefix}${namespace}:overlap:`,
        ...(windowSeconds === undefined ? {} : { windowSeconds }),
      }),
    coordinationLock: (namespace) =>
      new RedisCoordinationLock({ client: nextClient(), keyPrefix: `${prefix}${namespace}:lock:` }),
  };

  runStoreContract(backend);

  it('invalidation: revocations reach a feed on another cluster connection by sharded pub/sub (SPUBLISH)', async () => {
    const namespace = `${prefix}invalidation-cluster:`;
    const subscriber = makeClusterClient(cluster!.rootNodes);
    await subscriber.connect();
    const feed = new RedisInvalidationFeed({
      client: clients[0]!,
      subscriber,
      keyPrefix: `${namespace}invalidation:`,
      resyncIntervalMs: 0,
    });
    const heard: Invalidation[] = [];
    feed.subscribe((notice) => heard.push(notice));
    try {
      await feed.start();
      // Stores on another connection; the cluster client makes both sides pick SPUBLISH/SSUBSCRIBE.
      const stores = createRedisStores({ client: clients[1]!, keyPrefix: namespace });
      await stores.revocationStore.revoke('cluster-cap');
      await stores.agentRegistry.revoke('agent:cluster');
      await expect
        .poll(() => heard)
        .toEqual([
          { kind: 'revocation', id: 'cluster-cap' },
          { kind: 'agent', id: 'agent:cluster' },
        ]);
      // Reading the log again delivers nothing twice.
      await feed.resync();
      expect(heard).toHaveLength(2);
    } finally {
      await feed.close();
      await subscriber.close().catch(() => undefined);
    }
  });

  let n = 0;
  const handles = (options: Partial<CreateRedisStoresOptions> = {}): AdmissionHandles => {
    const stores = createRedisStores({ client: clients[0]!, keyPrefix: `${prefix}adm${n++}:`, ...options });
    const admission = isAdmissionCapable(stores.agentRegistry)
      ? stores.agentRegistry.admissionStore(stores)
      : undefined;
    if (admission === undefined) throw new Error('Redis stores on one cluster client must combine');
    return { registry: stores.agentRegistry, revocationStore: stores.revocationStore, admission };
  };

  admissionStoreContract({ name: 'redis cluster', create: () => handles() });
  admissionStoreContract({
    name: 'redis cluster with replicaAcks 1',
    create: () => handles({ replicaAcks: 1 }),
  });

  const alice = AgentIdentity.generate();
  const request = (nonce: string, revocationIds: string[] = ['packet-x']) => ({
    agentId: alice.agentId,
    publicKeyPem: alice.publicKeyPem,
    publicKey: parsePublicKeyPem(alice.publicKeyPem),
    revocationIds,
    replayKey: replayKey({ from_agent: alice.agentId, nonce }),
    ttlMs: 10_000,
  });

  it("puts a sender's registry hash and replay keys in one slot, and revocation ids in their own", async () => {
    const client = clients[0]!;
    const ns = `${prefix}layout:`;
    const stores = createRedisStores({ client, keyPrefix: ns });
    await stores.agentRegistry.register(alice.agentId, alice.publicKeyPem);
    expect(
      await stores.replayStore.checkAndStore(replayKey({ from_agent: alice.agentId, nonce: 'n1' }), 5000),
    ).toBe(true);
    const agent = agentKey(`${ns}agent:`, alice.agentId);
    const replay = replayStoreKey(`${ns}replay:`, replayKey({ from_agent: alice.agentId, nonce: 'n1' }));
    expect(agent).toBe(`${ns}agent:{${alice.agentId}}`);
    expect(replay).toBe(`${ns}replay:{${alice.agentId}}${alice.agentId.length}:${alice.agentId}:n1`);
    const slot = async (key: string): Promise<number> =>
      Number((await cluster!.cli(cluster!.ports[0]!, 'CLUSTER', 'KEYSLOT', key)).trim());
    expect(await slot(agent)).toBe(await slot(replay));
    expect(await client.hGet(agent, 'public_key_pem')).toBe(alice.publicKeyPem);
    expect(await client.exists(replay)).toBe(1);
    // Revocation ids are global: each in the slot of its own key, so they spread over the masters.
    const slots = new Set(
      await Promise.all(Array.from({ length: 16 }, (_, i) => slot(`${ns}revocation:packet-${i}`))),
    );
    expect(slots.size).toBeGreaterThan(1);
  });

  it('offers the one-round-trip admission store on a cluster client', () => {
    const stores = createRedisStores({ client: clients[0]!, keyPrefix: `${prefix}offer:` });
    expect(isAdmissionCapable(stores.agentRegistry)).toBe(true);
    if (!isAdmissionCapable(stores.agentRegistry)) return;
    expect(stores.agentRegistry.admissionStore(stores)).toBeInstanceOf(RedisAdmissionStore);
  });

  it('a revoked id read beside the script takes the stored nonce back: the refusal leaves it unstored', async () => {
    const { registry, revocationStore, admission } = handles();
    await registry.register(alice.agentId, alice.publicKeyPem);
    // Many ids, so they land on several masters; one of them is revoked.
    const ids = Array.from({ length: 12 }, (_, i) => `cap-${i}`);
    await revocationStore.revoke('cap-7');
    expect(await admission.admit(request('r1', ids))).toBe('revoked');
    expect(
      await admission.admit(
        request(
          'r1',
          ids.filter((id) => id !== 'cap-7'),
        ),
      ),
    ).toBe('admitted');
    expect(await admission.admit(request('r1', []))).toBe('replay');
  });

  it('batched revocation reads: many concurrent decisions, ids over every master, each gets its own verdict', async () => {
    // Count the grouped reads: the node connections the store asks for, and the scripts sent on them.
    let scripts = 0;
    const wrappers = new Map<object, object>();
    const base = clients[0]!;
    const counting = new Proxy(base, {
      get(target, property) {
        if (property === 'getNodeClientForKey') {
          return async (key: string, readonly?: boolean) => {
            const node = await target.getNodeClientForKey(key, readonly);
            const known = wrappers.get(node);
            if (known !== undefined) return known;
            const wrapper = {
              eval: (...args: Parameters<typeof node.eval>) => {
                scripts++;
                return node.eval(...args);
              },
              evalSha: (...args: Parameters<typeof node.evalSha>) => {
                scripts++;
                return node.evalSha(...args);
              },
            };
            wrappers.set(node, wrapper);
            return wrapper;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const stores = createRedisStores({ client: counting, keyPrefix: `${prefix}batch:` });
    const admission = isAdmissionCapable(stores.agentRegistry)
      ? stores.agentRegistry.admissionStore(stores)
      : undefined;
    if (admission === undefined) throw new Error('Redis stores on one cluster client must combine');
    const { agentRegistry: registry, revocationStore } = stores;
    await registry.register(alice.agentId, alice.publicKeyPem);
    for (let i = 0; i < 60; i += 3) await revocationStore.revoke(`batch-cap-${i}`);
    scripts = 0;
    // All 60 admissions ask in the same event-loop turn: one batch, grouped per master.
    const verdicts = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        Promise.resolve(admission.admit(request(`b${i}`, [`batch-packet-${i}`, `batch-cap-${i}`]))),
      ),
    );
    verdicts.forEach((verdict, i) => {
      expect(verdict, `decision ${i}`).toBe(i % 3 === 0 ? 'revoked' : 'admitted');
    });
    // 120 ids over 3 masters: at most one script per master (two when a NOSCRIPT retry loads it).
    expect(scripts).toBeGreaterThan(0);
    expect(scripts).toBeLessThanOrEqual(6);
    // A refused decision left its nonce unstored; an admitted one stored it.
    expect(await admission.admit(request('b0', []))).toBe('admitted');
    expect(await admission.admit(request('b1', []))).toBe('replay');
  });

  it('batched revocation reads fall back to one EXISTS per id when the grouped read fails', async () => {
    // A cluster client that cannot name the node of a key: the grouped read fails, the fallback reads.
    const base = clients[0]!;
    const blind = new Proxy(base, {
      get(target, property) {
        if (property === 'getNodeClientForKey') return () => Promise.reject(new Error('no topology'));
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const stores = createRedisStores({ client: blind, keyPrefix: `${prefix}blind:` });
    const admission = isAdmissionCapable(stores.agentRegistry)
      ? stores.agentRegistry.admissionStore(stores)
      : undefined;
    if (admission === undefined) throw new Error('Redis stores on one cluster client must combine');
    await stores.agentRegistry.register(alice.agentId, alice.publicKeyPem);
    await stores.revocationStore.revoke('blind-cap');
    const [revoked, admitted] = await Promise.all([
      Promise.resolve(admission.admit(request('f1', ['blind-packet-1', 'blind-cap']))),
      Promise.resolve(admission.admit(request('f2', ['blind-packet-2']))),
    ]);
    expect(revoked).toBe('revoked');
    expect(admitted).toBe('admitted');
  });

  it('replicaAcks 1: every deciding write waits for the replica; 2 (more than there are) fails closed', async () => {
    const one = handles({ replicaAcks: 1 });
    await one.registry.register(alice.agentId, alice.publicKeyPem);
    expect(await one.admission.admit(request('w1'))).toBe('admitted');
    await one.revocationStore.revoke('w-cap');

    const two = handles({ replicaAcks: 2, replicaAckTimeoutMs: 20 });
    await expect(two.registry.register(alice.agentId, alice.publicKeyPem)).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
    await expect(two.revocationStore.revoke('w-cap-2')).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
    const replay = new RedisReplayStore({
      client: clients[0]!,
      keyPrefix: `${prefix}two:replay:`,
      replicaAcks: 2,
      replicaAckTimeoutMs: 20,
    });
    await expect(replay.checkAndStore('k', 1000)).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    // A replay (nothing written) answers without waiting.
    expect(await replay.checkAndStore('k', 1000)).toBe(false);
  });

  it('refuses a key prefix with a hash tag of its own, and bad replica options, with ERR_CONFIGURATION', () => {
    const client = clients[0]!;
    for (const options of [
      { client, keyPrefix: 'a{b}:' },
      { client, keyPrefix: 'a}' },
      { client, replicaAcks: -1 },
      { client, replicaAcks: 1.5 },
      { client, replicaAcks: 99 },
      { client, replicaAckTimeoutMs: 0 },
      { client, replicaAckTimeoutMs: 1e9 },
    ]) {
      expect(() => new RedisReplayStore(options)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    }
  });
});
