/**
 * The Redis circuit breaker (issue 12.3): after consecutive timeouts commands fail at once instead of
 * each waiting the deadline; a half-open probe closes it again; a heartbeat notices a silent partition
 * of an idle connection that `@redis/client`'s own ping does not. Against a stub client (state
 * machine, with a fake clock) and against the real Redis through a TCP proxy that holds every byte
 * (a silent partition). The store contract runs with a breaker on every store.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import {
  EventHub,
  HandoffGate,
  MemoryEventSink,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  type SignedTaskPacket,
} from '../support/api.js';
import {
  RedisAgentRegistry,
  RedisCircuitBreaker,
  RedisCoordinationLock,
  RedisOverlapWindow,
  RedisReplayStore,
  RedisRevocationStore,
  createRedisStores,
  type RedisStoreClient,
} from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { runStoreContract, type StoreBackend } from './contract.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from './redis-clients.js';
import { receiver, sender } from '../gate/support.js';

const available = await redisAvailable();

/** A client whose commands hang (never settle) while `hang` is set, and answer 0 otherwise. */
function switchableClient(): { client: RedisStoreClient; hang: boolean; sent: number } {
  const handle = { hang: true, sent: 0, client: undefined as unknown as RedisStoreClient };
  const command = (): Promise<unknown> => {
    handle.sent++;
    return handle.hang ? new Promise(() => undefined) : Promise.resolve(0);
  };
  handle.client = {
    isReady: true,
    set: command,
    exists: command,
    hSet: command,
    hGet: command,
    hExists: command,
    eval: command,
  };
  return handle;
}

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code?: unknown }).code;
  }
}

describe('RedisCircuitBreaker (state machine)', () => {
  it('opens after failureThreshold consecutive timeouts, then refuses without sending', async () => {
    const stub = switchableClient();
    let now = 0;
    const breaker = new RedisCircuitBreaker({
      client: stub.client,
      failureThreshold: 3,
      openMs: 1000,
      now: () => now,
    });
    const store = new RedisRevocationStore({ client: stub.client, commandTimeoutMs: 5, breaker });
    for (let i = 0; i < 3; i++) expect(await codeOf(store.isRevoked('x'))).toBe('ERR_STORE_UNAVAILABLE');
    expect(breaker.state).toBe('open');
    const sent = stub.sent;
    const refused = store.isRevoked('x');
    await expect(refused).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(refused).rejects.toThrow(/circuit open/);
    expect(stub.sent).toBe(sent);
    expect(breaker.stats).toMatchObject({ state: 'open', opened: 1, fastFailures: 1, probes: 0 });
    now = 999;
    await codeOf(store.isRevoked('x'));
    expect(breaker.stats.probes).toBe(0);
  });

  it('an answer resets the count: only timeouts in a row open it', async () => {
    const stub = switchableClient();
    const breaker = new RedisCircuitBreaker({ client: stub.client, failureThreshold: 2 });
    const store = new RedisRevocationStore({ client: stub.client, commandTimeoutMs: 5, breaker });
    await codeOf(store.isRevoked('x'));
    stub.hang = false;
    expect(await store.isRevoked('x')).toBe(false);
    stub.hang = true;
    await codeOf(store.isRevoked('x'));
    expect(breaker.state).toBe('closed');
    await codeOf(store.isRevoked('x'));
    expect(breaker.state).toBe('open');
  });

  it('half-open: after openMs one probe is sent in the background; it closes the circuit when answered, reopens it when not', async () => {
    const stub = switchableClient();
    let now = 0;
    const sink = new MemoryEventSink({ maxEvents: 100 });
    const events = new EventHub({ verifier: { agentId: 'v', instanceId: 'i' }, sinks: [sink] });
    const breaker = new RedisCircuitBreaker({
      client: stub.client,
      failureThreshold: 1,
      openMs: 1000,
      probeTimeoutMs: 5,
      now: () => now,
      events,
    });
    const store = new RedisRevocationStore({ client: stub.client, commandTimeoutMs: 5, breaker });
    await codeOf(store.isRevoked('k'));
    expect(breaker.state).toBe('open');
    now = 1000;
    // The call that finds openMs passed starts the probe and still fails fast.
    expect(await codeOf(store.isRevoked('k'))).toBe('ERR_STORE_UNAVAILABLE');
    expect(breaker.state).toBe('half-open');
    expect(breaker.stats.probes).toBe(1);
    // Further calls while the probe is in flight do not send a second probe.
    await codeOf(store.isRevoked('k'));
    expect(breaker.stats.probes).toBe(1);
    await vi.waitFor(() => {
      expect(breaker.state).toBe('open');
    });
    stub.hang = false;
    now = 2000;
    await codeOf(store.isRevoked('k'));
    await vi.waitFor(() => {
      expect(breaker.state).toBe('closed');
    });
    expect(await codeOf(store.isRevoked('k'))).toBe('resolved');
    const types = sink.snapshot().map((e) => e.event_type);
    expect(types).toEqual(['store_circuit_opened', 'store_circuit_closed']);
    expect(sink.snapshot()[0]).toMatchObject({ store: 'redis', cause: 'timeouts', consecutive_timeouts: 1 });
    expect(sink.snapshot()[1]).toMatchObject({ store: 'redis', outage_ms: 2000 });
  });

  it('refuses options that cannot make a breaker, and a breaker of another client', () => {
    const stub = switchableClient();
    for (const bad of [{ failureThreshold: 0 }, { openMs: -1 }, { heartbeatMs: 1.5 }, { probeKey: '' }]) {
      expect(() => new RedisCircuitBreaker({ client: stub.client, ...bad })).toThrow(/RedisCircuitBreaker/);
    }
    const other = new RedisCircuitBreaker({ client: switchableClient().client });
    expect(() => new RedisReplayStore({ client: stub.client, breaker: other })).toThrow(/same client/);
    expect(() => createRedisStores({ client: stub.client, breaker: 3 as never })).toThrow(/breaker/);
  });
});

describe.skipIf(!available)('breaker on a silent partition (TCP proxy holding every byte)', () => {
  const prefix = runPrefix();
  let direct: TestRedisClient;
  beforeAll(async () => {
    direct = makeClient(REDIS_URL);
    await direct.connect();
  });
  afterAll(async () => {
    await deleteKeys(direct, prefix);
    await direct.close();
  });

  const packet = (): SignedTaskPacket =>
    issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
  const envelope = (p: SignedTaskPacket) => createDelegationEnvelope(p, createChain(p));

  it('fails fast after N timeouts, probes half-open while partitioned, and recovers when the path is back', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    const client = makeClient(proxy.url);
    await client.connect();
    const sink = new MemoryEventSink({ maxEvents: 1000 });
    const events = new EventHub({ verifier: { agentId: receiver.agentId, instanceId: 'i' }, sinks: [sink] });
    const stores = createRedisStores({
      client,
      keyPrefix: `${prefix}gate:`,
      commandTimeoutMs: 100,
      breaker: { failureThreshold: 3, openMs: 200, probeTimeoutMs: 100, events },
    });
    const breaker = stores.breaker!;
    await stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    const gate = new HandoffGate({
      agentId: receiver.agentId,
      registry: stores.agentRegistry,
      replayStore: stores.replayStore,
      revocationStore: stores.revocationStore,
    });
    expect((await gate.handle(envelope(packet()))).decision).toBe('ACCEPT');

    proxy.stall();
    const during = [];
    for (let i = 0; i < 30; i++) during.push(await gate.handle(envelope(packet())));
    expect(during.every((d) => d.decision === 'REJECT' && d.reason === 'registry_unavailable')).toBe(true);
    // Three decisions waited for their deadline; the rest were refused without being sent.
    expect(breaker.stats.opened).toBe(1);
    expect(breaker.stats.fastFailures).toBe(27);
    expect(client.isReady).toBe(true); // the client itself noticed nothing

    // Half-open while still partitioned: a probe goes out, fails, and the circuit opens again.
    await vi.waitFor(
      async () => {
        await gate.handle(envelope(packet()));
        expect(breaker.stats.probes).toBeGreaterThanOrEqual(2);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(breaker.state).not.toBe('closed');

    proxy.unstall();
    await vi.waitFor(
      async () => {
        expect((await gate.handle(envelope(packet()))).decision).toBe('ACCEPT');
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(breaker.state).toBe('closed');
    const types = sink.snapshot().map((e) => e.event_type);
    expect(types.filter((t) => t === 'store_circuit_opened')).toHaveLength(1);
    expect(types.at(-1)).toBe('store_circuit_closed');
    breaker.close();
    client.destroy();
    await proxy.stop();
  }, 30_000);

  it('a heartbeat notices a silent partition of an idle connection; the client ping does not', async () => {
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    const client = makeClient(proxy.url, { pingInterval: 50 });
    await client.connect();
    const breaker = new RedisCircuitBreaker({ client, heartbeatMs: 50, probeTimeoutMs: 100, openMs: 100 });
    const store = new RedisReplayStore({
      client,
      keyPrefix: `${prefix}idle:`,
      breaker,
      commandTimeoutMs: 100,
    });
    expect(await store.checkAndStore('a', 10_000)).toBe(true);
    proxy.stall();
    // No command is sent; the heartbeat alone opens the circuit.
    await vi.waitFor(
      () => {
        expect(breaker.state).not.toBe('closed');
      },
      { timeout: 10_000, interval: 20 },
    );
    expect(client.isReady).toBe(true);
    expect(await codeOf(store.checkAndStore('b', 10_000))).toBe('ERR_STORE_UNAVAILABLE');
    proxy.unstall();
    await vi.waitFor(
      async () => {
        expect(await store.checkAndStore(`c${Math.random()}`, 10_000)).toBe(true);
      },
      { timeout: 10_000, interval: 50 },
    );
    breaker.close();
    client.destroy();
    await proxy.stop();
  }, 30_000);
});

describe.skipIf(!available)('Redis store contract with a breaker on every store', () => {
  const prefix = runPrefix();
  const clients: TestRedisClient[] = available ? Array.from({ length: 2 }, () => makeClient(REDIS_URL)) : [];
  const breakers = new Map<TestRedisClient, RedisCircuitBreaker>();
  let turn = 0;
  const next = (): { client: TestRedisClient; breaker: RedisCircuitBreaker } => {
    const client = clients[turn++ % clients.length]!;
    let breaker = breakers.get(client);
    if (breaker === undefined) {
      breaker = new RedisCircuitBreaker({ client, failureThreshold: 1 });
      breakers.set(client, breaker);
    }
    return { client, breaker };
  };
  beforeAll(async () => {
    await Promise.all(clients.map((client) => client.connect()));
  });
  afterAll(async () => {
    if (clients[0]?.isReady) await deleteKeys(clients[0], prefix);
    await Promise.all(clients.map((client) => client.close()));
  });
  const backend: StoreBackend = {
    name: 'redis+breaker',
    replayStore: (namespace) =>
      new RedisReplayStore({ ...next(), keyPrefix: `${prefix}${namespace}:replay:` }),
    revocationStore: (namespace) =>
      new RedisRevocationStore({ ...next(), keyPrefix: `${prefix}${namespace}:revocation:` }),
    agentRegistry: (namespace) =>
      new RedisAgentRegistry({ ...next(), keyPrefix: `${prefix}${namespace}:agent:` }),
    overlapWindow: (namespace, windowSeconds) =>
      new RedisOverlapWindow({
        ...next(),
        keyPrefix: `${prefix}${namespace}:overlap:`,
        ...(windowSeconds === undefined ? {} : { windowSeconds }),
      }),
    coordinationLock: (namespace) =>
      new RedisCoordinationLock({ ...next(), keyPrefix: `${prefix}${namespace}:lock:` }),
  };
  runStoreContract(backend);

  it('no breaker opened during the contract', () => {
    for (const breaker of breakers.values()) expect(breaker.stats.opened).toBe(0);
  });
});
