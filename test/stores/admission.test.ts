import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import { importPublicKeyPem } from '../../src/identity/keys.js';
import {
  MemoryAdmissionStore,
  MemoryAgentRegistry,
  MemoryReplayStore,
  MemoryRevocationStore,
  isAdmissionCapable,
} from '../../src/stores/index.js';
import {
  createRedisStores,
  RedisAgentRegistry,
  RedisReplayStore,
  RedisRevocationStore,
  type RedisStoreClient,
} from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { admissionStoreContract, type AdmissionHandles } from './admission-contract.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from './redis-clients.js';

function memoryHandles(): AdmissionHandles {
  const registry = new MemoryAgentRegistry();
  const replayStore = new MemoryReplayStore();
  const revocationStore = new MemoryRevocationStore();
  const admission = registry.admissionStore({ replayStore, revocationStore });
  if (admission === undefined) throw new Error('memory stores must combine');
  return { registry, revocationStore, admission };
}

admissionStoreContract({ name: 'memory', create: memoryHandles });

describe('memory admission store', () => {
  it('answers synchronously', async () => {
    const { registry, admission } = memoryHandles();
    const alice = AgentIdentity.generate();
    await registry.register(alice.agentId, alice.publicKeyPem);
    const verdict = admission.admit({
      agentId: alice.agentId,
      publicKeyPem: alice.publicKeyPem,
      publicKey: importPublicKeyPem(alice.publicKeyPem),
      revocationIds: [],
      replayKey: 'k',
      ttlMs: 1000,
    });
    expect(verdict).toBe('admitted');
  });

  it('is offered only over memory stores', () => {
    const registry = new MemoryAgentRegistry();
    const foreign = { checkAndStore: () => Promise.resolve(true) };
    expect(registry.admissionStore({ replayStore: foreign })).toBeUndefined();
    expect(
      registry.admissionStore({
        replayStore: new MemoryReplayStore(),
        revocationStore: { revoke: () => Promise.resolve(), isRevoked: () => Promise.resolve(false) },
      }),
    ).toBeUndefined();
    expect(registry.admissionStore({ replayStore: new MemoryReplayStore() })).toBeInstanceOf(
      MemoryAdmissionStore,
    );
    expect(() => new MemoryAdmissionStore({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

const available = await redisAvailable();
const prefix = runPrefix();
const clients: TestRedisClient[] = available ? [makeClient(REDIS_URL), makeClient(REDIS_URL)] : [];
let n = 0;

describe.skipIf(!available)('Redis admission store', () => {
  beforeAll(async () => {
    await Promise.all(clients.map((client) => client.connect()));
  });
  afterAll(async () => {
    if (clients[0]?.isReady) await deleteKeys(clients[0], prefix);
    await Promise.all(clients.map((client) => client.close()));
  });

  const redisHandles = (client: RedisStoreClient = clients[0]!): AdmissionHandles => {
    const stores = createRedisStores({ client, keyPrefix: `${prefix}${n++}:` });
    const admission = isAdmissionCapable(stores.agentRegistry)
      ? stores.agentRegistry.admissionStore(stores)
      : undefined;
    if (admission === undefined) throw new Error('Redis stores on one client must combine');
    return { registry: stores.agentRegistry, revocationStore: stores.revocationStore, admission };
  };

  admissionStoreContract({ name: 'redis', create: () => redisHandles() });

  it('runs the script with EVAL when the server does not know it (NOSCRIPT)', async () => {
    const real = clients[0]!;
    let evals = 0;
    // A client that never has the script cached; views of it (withCommandOptions) forget too.
    const forgetfulOf = (client: RedisStoreClient): RedisStoreClient =>
      new Proxy(client, {
        get(target, property, receiver) {
          if (property === 'evalSha') return () => Promise.reject(new Error('NOSCRIPT No matching script.'));
          if (property === 'eval')
            return (...args: Parameters<RedisStoreClient['eval']>) => {
              evals++;
              return target.eval(...args);
            };
          if (property === 'withCommandOptions' && target.withCommandOptions !== undefined) {
            const withOptions = target.withCommandOptions.bind(target);
            return (options: { timeout: number }) => forgetfulOf(withOptions(options) as RedisStoreClient);
          }
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
    const forgetful = forgetfulOf(real);
    const { registry, admission } = redisHandles(forgetful);
    const alice = AgentIdentity.generate();
    await registry.register(alice.agentId, alice.publicKeyPem);
    const req = {
      agentId: alice.agentId,
      publicKeyPem: alice.publicKeyPem,
      publicKey: importPublicKeyPem(alice.publicKeyPem),
      revocationIds: [],
      replayKey: 'k',
      ttlMs: 10_000,
    };
    expect(await admission.admit(req)).toBe('admitted');
    expect(await admission.admit(req)).toBe('replay');
    expect(evals).toBe(2);
  });

  it('is offered only over Redis stores on one client (a cluster client too)', () => {
    const [a, b] = clients as [TestRedisClient, TestRedisClient];
    const registry = new RedisAgentRegistry({ client: a, keyPrefix: `${prefix}x:agent:` });
    expect(registry.admissionStore({ replayStore: new MemoryReplayStore() })).toBeUndefined();
    expect(
      registry.admissionStore({
        replayStore: new RedisReplayStore({ client: b, keyPrefix: `${prefix}x:r:` }),
      }),
    ).toBeUndefined();
    expect(
      registry.admissionStore({
        replayStore: new RedisReplayStore({ client: a, keyPrefix: `${prefix}x:r:` }),
        revocationStore: new RedisRevocationStore({ client: b, keyPrefix: `${prefix}x:v:` }),
      }),
    ).toBeUndefined();
    expect(
      registry.admissionStore({
        replayStore: new RedisReplayStore({ client: a, keyPrefix: `${prefix}x:r:` }),
      }),
    ).toBeDefined();
    // A cluster client qualifies too (test/stores/redis-cluster.test.ts runs it on a real cluster).
    const clusterLike = Object.assign(Object.create(a) as object, {
      masters: [],
    }) as unknown as RedisStoreClient;
    const onCluster = new RedisAgentRegistry({ client: clusterLike, keyPrefix: `${prefix}c:agent:` });
    expect(
      onCluster.admissionStore({
        replayStore: new RedisReplayStore({ client: clusterLike, keyPrefix: `${prefix}c:r:` }),
      }),
    ).toBeDefined();
  });

  it('replicaAcks on a Redis without replicas: an admission is never confirmed, and stays stored', async () => {
    const stores = createRedisStores({
      client: clients[0]!,
      keyPrefix: `${prefix}wait:`,
      replicaAcks: 1,
      replicaAckTimeoutMs: 20,
    });
    const plain = createRedisStores({ client: clients[0]!, keyPrefix: `${prefix}wait:` });
    const alice = AgentIdentity.generate();
    await plain.agentRegistry.register(alice.agentId, alice.publicKeyPem);
    if (!isAdmissionCapable(stores.agentRegistry)) throw new Error('Redis registry must offer admission');
    const admission = stores.agentRegistry.admissionStore(stores)!;
    const req = {
      agentId: alice.agentId,
      publicKeyPem: alice.publicKeyPem,
      publicKey: importPublicKeyPem(alice.publicKeyPem),
      revocationIds: ['p1'],
      replayKey: 'k',
      ttlMs: 10_000,
    };
    await expect(Promise.resolve(admission.admit(req))).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
    // A refusal of the write's confirmation is not a refusal of the packet: the nonce is burned.
    expect(await admission.admit(req)).toBe('replay');
  });

  it('fails closed with StoreUnavailableError when the client is not connected', async () => {
    const idle = makeClient(REDIS_URL);
    const stores = createRedisStores({ client: idle, keyPrefix: `${prefix}idle:` });
    if (!isAdmissionCapable(stores.agentRegistry)) throw new Error('Redis registry must offer admission');
    const admission = stores.agentRegistry.admissionStore(stores)!;
    const alice = AgentIdentity.generate();
    await expect(
      Promise.resolve(
        admission.admit({
          agentId: alice.agentId,
          publicKeyPem: alice.publicKeyPem,
          publicKey: importPublicKeyPem(alice.publicKeyPem),
          revocationIds: [],
          replayKey: 'k',
          ttlMs: 1000,
        }),
      ),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
