/**
 * Fail closed (SPEC §7.5): when Redis is unreachable, goes away, stalls or answers nonsense, every
 * store call rejects with ERR_STORE_UNAVAILABLE within a bounded time — never "new", never "not
 * revoked", never a hang — and the stores work again once Redis is back.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import {
  createRedisStores,
  RedisReplayStore,
  type RedisStoreClient,
  type RedisStores,
} from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from './redis-clients.js';

const COMMAND_TIMEOUT_MS = 200;
// Liveness bound, not a speed target: a call that has not settled by then is a hang.
const HANG_MS = COMMAND_TIMEOUT_MS + 2000;

type Outcome =
  { settled: 'resolved'; value: unknown } | { settled: 'rejected'; code: unknown } | { settled: 'hung' };

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      resolve({ settled: 'hung' });
    }, HANG_MS);
  });
  const settled = promise.then(
    (value): Outcome => ({ settled: 'resolved', value }),
    (error: unknown): Outcome => ({ settled: 'rejected', code: (error as { code?: unknown }).code }),
  );
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
  }
}

const UNAVAILABLE: Outcome = { settled: 'rejected', code: 'ERR_STORE_UNAVAILABLE' };

/** One call of every store method; all must fail closed. */
function everyCall(stores: RedisStores, id: string): Promise<unknown>[] {
  const agent = AgentIdentity.generate();
  return [
    stores.replayStore.checkAndStore(`${id}:nonce`, 10_000),
    stores.revocationStore.revoke(`${id}:cap`),
    stores.revocationStore.isRevoked(`${id}:cap`),
    stores.agentRegistry.register(agent.agentId, agent.publicKeyPem),
    stores.agentRegistry.resolve(agent.agentId),
    stores.agentRegistry.isRegistered(agent.agentId),
    stores.agentRegistry.revoke(agent.agentId),
    stores.agentRegistry.isRevoked(agent.agentId),
    stores.overlapWindow.register(`${id}:tok`),
    stores.overlapWindow.isValid(`${id}:tok`),
    stores.coordinationLock.acquire(`${id}:lock`),
    stores.coordinationLock.release(`${id}:lock`),
  ];
}

async function expectAllUnavailable(stores: RedisStores, id: string): Promise<void> {
  const outcomes = await Promise.all(everyCall(stores, id).map(outcome));
  expect(outcomes).toEqual(outcomes.map(() => UNAVAILABLE));
}

/** A structural client whose every command behaves as `command` says. */
function stubClient(command: () => Promise<unknown>, isReady = true): RedisStoreClient {
  return {
    isReady,
    set: command,
    exists: command,
    hSet: command,
    hGet: command,
    hExists: command,
    eval: command,
  };
}

describe('fail closed without a Redis server (stub clients)', () => {
  it('stalled server: a command that never answers rejects after the command timeout', async () => {
    const stores = createRedisStores({
      client: stubClient(() => new Promise(() => undefined)),
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });
    await expectAllUnavailable(stores, 'stalled');
  });

  it('a client that is not ready is not asked at all', async () => {
    let calls = 0;
    const client = stubClient(() => {
      calls++;
      return Promise.resolve('OK');
    }, false);
    await expectAllUnavailable(createRedisStores({ client }), 'not-ready');
    expect(calls).toBe(0);
  });

  it('commands that reject or throw synchronously become ERR_STORE_UNAVAILABLE', async () => {
    await expectAllUnavailable(
      createRedisStores({ client: stubClient(() => Promise.reject(new Error('ECONNRESET'))) }),
      'rejects',
    );
    const throwing = stubClient(() => {
      throw new TypeError('client closed');
    });
    await expectAllUnavailable(createRedisStores({ client: throwing }), 'throws');
  });

  it('a reply of the wrong shape is never read as "new", "not revoked" or "valid"', async () => {
    for (const reply of ['QUEUED', 'yes', 2, {}, undefined]) {
      const stores = createRedisStores({ client: stubClient(() => Promise.resolve(reply)) });
      const outcomes = await Promise.all(
        [
          stores.replayStore.checkAndStore('n', 1000),
          stores.revocationStore.isRevoked('c'),
          stores.overlapWindow.isValid('t'),
          stores.coordinationLock.acquire('l'),
          stores.agentRegistry.isRevoked('a'),
        ].map(outcome),
      );
      expect(outcomes.map((o) => o.settled === 'resolved')).toEqual([false, false, false, false, false]);
    }
  });
});

const available = await redisAvailable();

describe.skipIf(!available)('fail closed against a real Redis behind a proxy', () => {
  const prefix = runPrefix();
  const opened: TestRedisClient[] = [];
  const proxies: TcpProxy[] = [];

  afterAll(async () => {
    const cleaner = makeClient(REDIS_URL);
    await cleaner.connect();
    await deleteKeys(cleaner, prefix);
    await cleaner.close();
    for (const client of opened) client.destroy();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
  });

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    if (address === null || typeof address !== 'object') throw new Error('no port');
    return address.port;
  }

  async function waitUntilWorks(stores: RedisStores): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await stores.revocationStore.isRevoked('probe');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }

  it('closed port: every call rejects promptly while the client keeps retrying', async () => {
    const client = makeClient(`redis://127.0.0.1:${await freePort()}`);
    opened.push(client);
    client.connect().catch(() => undefined);
    const stores = createRedisStores({ client, keyPrefix: prefix, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    await expectAllUnavailable(stores, 'closed-port');
    await sleep(200);
    await expectAllUnavailable(stores, 'closed-port-later');
  });

  it('a closed client rejects every call', async () => {
    const client = makeClient(REDIS_URL);
    await client.connect();
    const stores = createRedisStores({ client, keyPrefix: prefix });
    expect(await stores.replayStore.checkAndStore('before-close', 10_000)).toBe(true);
    client.destroy();
    await expectAllUnavailable(stores, 'closed-client');
  });

  it('Redis goes away mid-run: errors while down, nothing queued, recovery when it is back', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    proxies.push(proxy);
    // Offline queue left on (the client library's default): the stores must not rely on it being off.
    const client = makeClient(proxy.url, { offlineQueue: true });
    opened.push(client);
    await client.connect();
    const stores = createRedisStores({ client, keyPrefix: prefix, commandTimeoutMs: COMMAND_TIMEOUT_MS });

    expect(await stores.replayStore.checkAndStore('seen-before-outage', 60_000)).toBe(true);
    await stores.revocationStore.revoke('revoked-before-outage');

    await proxy.stop();
    await sleep(50);
    await expectAllUnavailable(stores, 'outage-1');
    await sleep(300);
    await expectAllUnavailable(stores, 'outage-2');
    // Nonce flood during the outage: none of them may come back "new".
    const flood = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        outcome(stores.replayStore.checkAndStore(`during-outage-${i}`, 60_000)),
      ),
    );
    expect(flood.every((o) => o.settled === 'rejected' && o.code === 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(await outcome(stores.revocationStore.revoke('revoked-during-outage'))).toEqual(UNAVAILABLE);

    await proxy.start();
    await waitUntilWorks(stores);
    expect(await stores.replayStore.checkAndStore('seen-before-outage', 60_000)).toBe(false);
    expect(await stores.revocationStore.isRevoked('revoked-before-outage')).toBe(true);
    // A rejected call was not parked in an offline queue and replayed behind the caller's back.
    expect(await stores.revocationStore.isRevoked('revoked-during-outage')).toBe(false);
    expect(await stores.replayStore.checkAndStore('during-outage-0', 60_000)).toBe(true);
    expect(await stores.replayStore.checkAndStore('during-outage-0', 60_000)).toBe(false);
  });

  it('Redis stalls mid-run: calls time out, and a timed-out replay check is never "new" twice', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    proxies.push(proxy);
    const client = makeClient(proxy.url);
    opened.push(client);
    await client.connect();
    const stores = createRedisStores({ client, keyPrefix: prefix, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const replay = new RedisReplayStore({
      client,
      keyPrefix: `${prefix}stall:`,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
    });

    proxy.stall();
    expect(await outcome(replay.checkAndStore('stalled-nonce', 60_000))).toEqual(UNAVAILABLE);
    await expectAllUnavailable(stores, 'stalled');
    expect(client.isReady).toBe(true);

    proxy.unstall();
    await waitUntilWorks(stores);
    // The stalled SET NX reached Redis late and stored the nonce: a retry is "seen", never "new".
    expect(await replay.checkAndStore('stalled-nonce', 60_000)).toBe(false);
    expect(await replay.checkAndStore('after-stall', 60_000)).toBe(true);
  });
});
