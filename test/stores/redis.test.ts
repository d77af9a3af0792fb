import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { RedisCommandRunner } from '../../src/stores/redis/client.js';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import {
  createRedisStores,
  DEFAULT_AGENT_KEY_PREFIX,
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_LOCK_KEY_PREFIX,
  DEFAULT_OVERLAP_KEY_PREFIX,
  DEFAULT_REPLAY_KEY_PREFIX,
  DEFAULT_REVOCATION_KEY_PREFIX,
  RedisAgentRegistry,
  RedisCoordinationLock,
  RedisOverlapWindow,
  RedisReplayStore,
  RedisRevocationStore,
  agentKey,
  replayStoreKey,
  type RedisStoreClient,
} from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { runStoreContract, type StoreBackend } from './contract.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from './redis-clients.js';

const available = await redisAvailable();
const prefix = runPrefix();
// Several connections, so that "concurrent verifiers" really race on the server.
const clients: TestRedisClient[] = available ? Array.from({ length: 4 }, () => makeClient(REDIS_URL)) : [];
let turn = 0;
const nextClient = (): TestRedisClient => clients[turn++ % clients.length]!;

beforeAll(async () => {
  await Promise.all(clients.map((client) => client.connect()));
});

afterAll(async () => {
  if (clients[0]?.isReady) await deleteKeys(clients[0], prefix);
  await Promise.all(clients.map((client) => client.close()));
});

const backend: StoreBackend = {
  name: 'redis',
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

describe.skipIf(!available)('Redis stores', () => {
  runStoreContract(backend);

  describe('key layout and server-side lifetimes', () => {
    it('uses the SPEC §5 default prefixes and a 500 ms command timeout', () => {
      expect(DEFAULT_REPLAY_KEY_PREFIX).toBe('trusthandoff:replay:');
      expect(DEFAULT_REVOCATION_KEY_PREFIX).toBe('trusthandoff:revocation:');
      expect(DEFAULT_AGENT_KEY_PREFIX).toBe('trusthandoff:agent:');
      expect(DEFAULT_OVERLAP_KEY_PREFIX).toBe('trusthandoff:overlap:');
      expect(DEFAULT_LOCK_KEY_PREFIX).toBe('trusthandoff:lock:');
      expect(DEFAULT_COMMAND_TIMEOUT_MS).toBe(500);
    });

    it('createRedisStores lays every store out under one namespace with server-side expiry', async () => {
      const client = clients[0]!;
      const ns = `${prefix}layout:`;
      const stores = createRedisStores({ client, keyPrefix: ns, overlapWindowSeconds: 2 });
      const bob = AgentIdentity.generate();

      expect(await stores.replayStore.checkAndStore('agent:x:n1', 5000)).toBe(true);
      // Not in the gate's `<n>:<from>:<nonce>` form: the whole key is its own hash tag.
      expect(replayStoreKey(`${ns}replay:`, 'agent:x:n1')).toBe(`${ns}replay:{agent:x:n1}`);
      const replayTtl = await client.pTTL(`${ns}replay:{agent:x:n1}`);
      expect(replayTtl).toBeGreaterThan(0);
      expect(replayTtl).toBeLessThanOrEqual(5000);

      await stores.revocationStore.revoke('cap-1');
      expect(await client.pTTL(`${ns}revocation:cap-1`)).toBe(-1);

      await stores.agentRegistry.register(bob.agentId, bob.publicKeyPem);
      await stores.agentRegistry.revoke(bob.agentId);
      expect(await client.hGetAll(`${ns}agent:{${bob.agentId}}`)).toEqual({
        public_key_pem: bob.publicKeyPem,
        revoked: '1',
      });
      expect(await client.pTTL(`${ns}agent:{${bob.agentId}}`)).toBe(-1);
      // A key in the gate's form goes to the sender's hash tag, beside its registry hash.
      const gateKey = `${bob.agentId.length}:${bob.agentId}:n2`;
      expect(await stores.replayStore.checkAndStore(gateKey, 5000)).toBe(true);
      expect(await client.exists(`${ns}replay:{${bob.agentId}}${gateKey}`)).toBe(1);

      await stores.overlapWindow.register('tok');
      const overlapTtl = await client.pTTL(`${ns}overlap:tok`);
      expect(overlapTtl).toBeGreaterThan(0);
      expect(overlapTtl).toBeLessThanOrEqual(2000);

      expect(await stores.coordinationLock.acquire('job', 7)).toBe(true);
      const lockTtl = await client.ttl(`${ns}lock:job`);
      expect(lockTtl).toBeGreaterThan(0);
      expect(lockTtl).toBeLessThanOrEqual(7);
      expect(await client.get(`${ns}lock:job`)).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('a store never writes outside its prefix', async () => {
      const client = clients[0]!;
      const ns = `${prefix}confined:`;
      const stores = createRedisStores({ client, keyPrefix: ns });
      await stores.replayStore.checkAndStore('k', 5000);
      await stores.revocationStore.revoke('k');
      await stores.overlapWindow.register('k');
      await stores.coordinationLock.acquire('k');
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${ns}*`, COUNT: 1000 })) keys.push(...batch);
      // The revocation log of the invalidation feeds lives under the namespace too.
      expect(keys.sort()).toEqual([
        `${ns}invalidation:{feed}`,
        `${ns}lock:k`,
        `${ns}overlap:k`,
        `${ns}replay:{k}`,
        `${ns}revocation:k`,
      ]);
    });

    it('a corrupted registry record fails closed with ERR_STORE_UNAVAILABLE', async () => {
      const client = clients[0]!;
      const keyPrefix = `${prefix}corrupt:`;
      await client.hSet(agentKey(keyPrefix, 'agent:evil'), 'public_key_pem', 'not a key');
      await expect(new RedisAgentRegistry({ client, keyPrefix }).resolve('agent:evil')).rejects.toMatchObject(
        {
          code: 'ERR_STORE_UNAVAILABLE',
        },
      );
    });

    it('a key of the wrong type fails closed with ERR_STORE_UNAVAILABLE', async () => {
      const client = clients[0]!;
      const keyPrefix = `${prefix}wrongtype:`;
      await client.set(agentKey(keyPrefix, 'agent:x'), 'a string, not a hash');
      await expect(new RedisAgentRegistry({ client, keyPrefix }).isRevoked('agent:x')).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
    });
  });

  describe('command deadline', () => {
    it("turns the client's own per-command timer off for its commands: its deadline applies", async () => {
      // @redis/client 6 arms an AbortSignal.timeout for every command and disarms it once the command
      // is written, so it never bounds a sent command; the runner's own deadline does.
      const client = clients[0]!;
      const armed = vi.spyOn(AbortSignal, 'timeout');
      try {
        await client.exists(`${prefix}deadline`);
        expect(armed).toHaveBeenCalled();
        armed.mockClear();
        const runner = new RedisCommandRunner({ client }, prefix, 'test');
        expect(await runner.run((c) => c.exists(`${prefix}deadline`))).toBe(0);
        expect(armed).not.toHaveBeenCalled();
      } finally {
        armed.mockRestore();
      }
    });

    it('a command slower than commandTimeoutMs fails closed; a faster one answers', async () => {
      const client = clients[0]!;
      const busy = `local t0 = redis.call('TIME')
        repeat local t = redis.call('TIME') until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 40000
        return 'done'`;
      const script = { keys: [], arguments: [] };
      const strict = new RedisCommandRunner({ client, commandTimeoutMs: 5 }, prefix, 'test');
      await expect(strict.run((c) => c.eval(busy, script))).rejects.toThrow(StoreUnavailableError);
      const patient = new RedisCommandRunner({ client, commandTimeoutMs: 500 }, prefix, 'test');
      expect(await patient.run((c) => c.eval(busy, script))).toBe('done');
    });
  });

  describe('replicaAcks (WAIT after each deciding write)', () => {
    it('on a Redis without replicas every deciding write fails closed once WAIT times out; reads do not wait', async () => {
      const client = clients[0]!;
      const ns = `${prefix}wait:`;
      const stores = createRedisStores({ client, keyPrefix: ns, replicaAcks: 1, replicaAckTimeoutMs: 30 });
      const bob = AgentIdentity.generate();
      const started = Date.now();
      await expect(stores.replayStore.checkAndStore('k', 5000)).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
      // The write happened; only its confirmation is missing: the same key is now a replay.
      expect(await stores.replayStore.checkAndStore('k', 5000)).toBe(false);
      await expect(stores.revocationStore.revoke('cap')).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
      expect(await stores.revocationStore.isRevoked('cap')).toBe(true);
      await expect(stores.agentRegistry.register(bob.agentId, bob.publicKeyPem)).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
      await expect(stores.agentRegistry.revoke(bob.agentId)).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
      // replicaAcks 0 (the default) sends no WAIT at all.
      const plain = createRedisStores({ client, keyPrefix: `${ns}plain:` });
      expect(await plain.replayStore.checkAndStore('k', 5000)).toBe(true);
    });
  });

  describe('construction', () => {
    it('refuses options that cannot make a safe store with ERR_CONFIGURATION', () => {
      const client = clients[0]!;
      const bad: unknown[] = [
        undefined,
        {},
        { client: {} },
        { client: null },
        { client, commandTimeoutMs: 0 },
        { client, commandTimeoutMs: 1.5 },
        { client, commandTimeoutMs: Number.NaN },
        { client, commandTimeoutMs: 120_000 },
        { client, keyPrefix: 5 },
        { client, keyPrefix: 'x'.repeat(300) },
        { client, keyPrefix: 'tenant{a}:' },
        { client, replicaAcks: -1 },
        { client, replicaAcks: 0.5 },
        { client, replicaAckTimeoutMs: 0 },
      ];
      for (const Store of [
        RedisReplayStore,
        RedisRevocationStore,
        RedisAgentRegistry,
        RedisOverlapWindow,
        RedisCoordinationLock,
      ]) {
        for (const options of bad) {
          expect(() => new Store(options as { client: RedisStoreClient })).toThrow(
            expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
          );
        }
      }
      expect(() => createRedisStores({ client, overlapWindowSeconds: 0 })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    });
  });
});
