/**
 * Fail closed on amnesia (issue 12.2), against a real redis-server of our own on a free port (never
 * the shared one): restarted without persistence mid-run (killed by pid, started again), and flushed.
 * The gate must refuse to ACCEPT — a replayed already-accepted packet, a revoked packet, a packet of a
 * sender whose registration is gone, and a fresh packet alike — with `store_state_lost` until the
 * state is trusted again (operator call or policy); with AOF the restart loses nothing and nothing is
 * refused.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  EventHub,
  HandoffGate,
  MemoryEventSink,
  createChain,
  createDelegationEnvelope,
  issueTaskPacket,
  type GateDecision,
  type SignedTaskPacket,
} from '../support/api.js';
import { createRedisStores, RedisStoreState, type RedisStores } from '../../src/stores/redis/index.js';
import {
  redisServerPresent,
  startLocalRedisServer,
  type LocalRedisServer,
} from '../../bench/local-redis-server.js';
import { IN_CI } from '../support/services.js';
import { makeClient, type TestRedisClient } from '../stores/redis-clients.js';
import { receiver, sender } from './support.js';

const present = await redisServerPresent();
if (!present && IN_CI) throw new Error('CI=true and redis-server/redis-cli are not installed');

const packet = (): SignedTaskPacket =>
  issueTaskPacket(sender, { to_agent: receiver.agentId, intent: 'x', risk_level: 'read' });
const envelope = (p: SignedTaskPacket) => createDelegationEnvelope(p, createChain(p));

interface Deployment {
  client: TestRedisClient;
  state: RedisStoreState;
  stores: RedisStores;
  gate: HandoffGate;
  sink: MemoryEventSink;
  close(): Promise<void>;
}

async function deploy(
  server: LocalRedisServer,
  stateOptions: { autoTrustAfterMs?: number; checkIntervalMs?: number } = {},
): Promise<Deployment> {
  const client = makeClient(server.url);
  await client.connect();
  const sink = new MemoryEventSink({ maxEvents: 10_000 });
  const events = new EventHub({ verifier: { agentId: receiver.agentId, instanceId: 'a' }, sinks: [sink] });
  const state = new RedisStoreState({ client, events, checkIntervalMs: 0, ...stateOptions });
  await state.start();
  const stores = createRedisStores({ client, storeState: state, breaker: false });
  const gate = new HandoffGate({
    agentId: receiver.agentId,
    registry: stores.agentRegistry,
    replayStore: stores.replayStore,
    revocationStore: stores.revocationStore,
    events,
  });
  return {
    client,
    state,
    stores,
    gate,
    sink,
    async close() {
      state.close();
      await client.close().catch(() => undefined);
    },
  };
}

const rejectedFor = (d: GateDecision, reason: string): boolean =>
  d.decision === 'REJECT' && d.reason === reason;

describe.skipIf(!present)('gate fails closed when Redis loses its state', () => {
  let server: LocalRedisServer;
  beforeAll(async () => {
    server = await startLocalRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('a new deployment is refused until initialised; then the marker is trusted and decisions flow', async () => {
    await server.cli('FLUSHALL');
    const d = await deploy(server);
    expect(d.state.status).toBe('lost');
    await d.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem); // writes pass
    expect(rejectedFor(await d.gate.handle(envelope(packet())), 'store_state_lost')).toBe(true);
    const epoch = await d.state.trustStoreState();
    expect(d.state.epoch).toBe(epoch);
    expect((await d.gate.handle(envelope(packet()))).decision).toBe('ACCEPT');
    // A second process on the same Redis adopts the marker at start.
    const other = await deploy(server);
    expect(other.state.status).toBe('trusted');
    expect(other.state.epoch).toBe(epoch);
    await other.close();
    await d.close();
  });

  it('restart without persistence: replayed, revoked, unregistered and fresh packets all REJECT store_state_lost until re-armed', async () => {
    await server.cli('FLUSHALL');
    const d = await deploy(server);
    await d.state.trustStoreState();
    await d.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    const accepted = Array.from({ length: 20 }, packet);
    for (const p of accepted) expect((await d.gate.handle(envelope(p))).decision).toBe('ACCEPT');
    const revoked = packet();
    await d.stores.revocationStore.revoke(revoked.packet_id);
    expect((await d.gate.handle(envelope(revoked))).reason).toBe('capability_revoked');
    expect((await d.gate.handle(envelope(accepted[0]!))).reason).toBe('Replay detected');

    // Crash: SIGKILL by pid, start again on the same port without persistence: empty.
    d.sink.clear();
    await server.kill();
    await server.start();
    expect(await server.cli('DBSIZE')).toMatch(/^0/);
    // From the moment the client is back, no decision is an ACCEPT: while the marker is not read yet
    // the state is unverified (registry_unavailable), then lost.
    const early: GateDecision[] = [];
    await vi.waitFor(
      async () => {
        early.push(await d.gate.handle(envelope(accepted[early.length % accepted.length]!)));
        expect(d.state.status).toBe('lost');
      },
      { timeout: 10_000, interval: 10 },
    );
    expect(
      early.every((x) => rejectedFor(x, 'store_state_lost') || rejectedFor(x, 'registry_unavailable')),
    ).toBe(true);

    const after = [...accepted, revoked, packet()];
    const decisions = await Promise.all(after.map((p) => d.gate.handle(envelope(p))));
    expect(decisions.every((x) => rejectedFor(x, 'store_state_lost'))).toBe(true);
    expect(d.sink.snapshot().filter((e) => e.event_type === 'store_state_lost')).toHaveLength(1);
    expect(d.sink.snapshot().find((e) => e.event_type === 'store_state_lost')).toMatchObject({
      detail: 'marker_missing',
      found_epoch: null,
    });

    // The operator restores what the store lost (registration, revocation), then re-arms.
    await d.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    await d.stores.revocationStore.revoke(revoked.packet_id);
    expect(rejectedFor(await d.gate.handle(envelope(packet())), 'store_state_lost')).toBe(true);
    await d.state.trustStoreState();
    expect((await d.gate.handle(envelope(revoked))).reason).toBe('capability_revoked');
    expect((await d.gate.handle(envelope(packet()))).decision).toBe('ACCEPT');
    expect(
      d.sink
        .snapshot()
        .filter((e) => e.event_type === 'store_state_trusted')
        .at(-1),
    ).toMatchObject({
      by: 'operator',
    });
    await d.close();
  });

  it('FLUSHALL is noticed by the next decision (the admission script checks the marker), and by a periodic check', async () => {
    await server.cli('FLUSHALL');
    const d = await deploy(server);
    await d.state.trustStoreState();
    await d.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    const first = packet();
    expect((await d.gate.handle(envelope(first))).decision).toBe('ACCEPT');
    expect(d.gate.path).toBe('admission');
    await server.cli('FLUSHALL');
    // No reconnect happened: the very next decision sees the marker gone.
    await d.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    expect(rejectedFor(await d.gate.handle(envelope(first)), 'store_state_lost')).toBe(true);
    expect(d.state.status).toBe('lost');
    await d.close();

    // The per-store path (no admission script) relies on the guard's own check.
    const e = await deploy(server, { checkIntervalMs: 50 });
    await e.state.trustStoreState();
    await e.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    // A registry that does not offer the admission capability: every store is asked on its own.
    const registry = e.stores.agentRegistry;
    const gate = new HandoffGate({
      agentId: receiver.agentId,
      registry: {
        register: (id, pem) => registry.register(id, pem),
        resolve: (id) => registry.resolve(id),
        isRegistered: (id) => registry.isRegistered(id),
        revoke: (id) => registry.revoke(id),
        isRevoked: (id) => registry.isRevoked(id),
      },
      replayStore: e.stores.replayStore,
      revocationStore: e.stores.revocationStore,
    });
    expect(gate.path).toBe('per-store');
    const p = packet();
    expect((await gate.handle(envelope(p))).decision).toBe('ACCEPT');
    await server.cli('FLUSHALL');
    await vi.waitFor(() => {
      expect(e.state.status).toBe('lost');
    });
    await e.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    expect(rejectedFor(await gate.handle(envelope(p)), 'store_state_lost')).toBe(true);
    await e.close();
  });

  it('one operator call re-arms every instance that saw the loss; a configured policy re-arms by itself', async () => {
    await server.cli('FLUSHALL');
    const a = await deploy(server);
    await a.state.trustStoreState();
    const b = await deploy(server);
    expect(b.state.status).toBe('trusted');
    await server.cli('FLUSHALL');
    expect(await a.state.check()).toBe('lost');
    expect(await b.state.check()).toBe('lost');
    await a.state.trustStoreState();
    expect(await b.state.check()).toBe('trusted');
    expect(
      b.sink
        .snapshot()
        .filter((e) => e.event_type === 'store_state_trusted')
        .at(-1),
    ).toMatchObject({
      by: 'fleet',
    });
    await a.close();
    await b.close();

    const c = await deploy(server, { autoTrustAfterMs: 0 });
    await server.cli('FLUSHALL');
    expect(await c.state.check()).toBe('lost');
    await vi.waitFor(async () => {
      expect(await c.state.check()).toBe('trusted');
    });
    expect(
      c.sink
        .snapshot()
        .filter((e) => e.event_type === 'store_state_trusted')
        .at(-1),
    ).toMatchObject({
      by: 'policy',
    });
    await c.close();
  });

  it('warns when persistence is off and refuses with persistence: require', async () => {
    const client = makeClient(server.url);
    await client.connect();
    const sink = new MemoryEventSink({ maxEvents: 100 });
    const events = new EventHub({ verifier: { agentId: 'x', instanceId: 'a' }, sinks: [sink] });
    const warn = new RedisStoreState({ client, events, checkIntervalMs: 0 });
    await warn.start();
    expect(warn.persistence).toEqual({ aofEnabled: false, appendfsync: null, maxmemoryPolicy: 'noeviction' });
    expect(sink.snapshot().find((e) => e.event_type === 'store_persistence_warning')).toMatchObject({
      aof_enabled: false,
      detail: 'aof_disabled',
    });
    warn.close();
    const strict = new RedisStoreState({ client, persistence: 'require', checkIntervalMs: 0 });
    await expect(strict.start()).rejects.toMatchObject({ code: 'ERR_CONFIGURATION' });
    strict.close();
    await client.close();
  });
});

describe.skipIf(!present)('with AOF the restart loses nothing', () => {
  let server: LocalRedisServer;
  beforeAll(async () => {
    server = await startLocalRedisServer({ appendfsync: 'always' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('an eviction policy other than noeviction is warned about (replay records have a TTL) and refused with require', async () => {
    await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru');
    try {
      const client = makeClient(server.url);
      await client.connect();
      const sink = new MemoryEventSink({ maxEvents: 100 });
      const events = new EventHub({ verifier: { agentId: 'x', instanceId: 'a' }, sinks: [sink] });
      const warn = new RedisStoreState({ client, events, checkIntervalMs: 0 });
      await warn.start();
      expect(sink.snapshot().find((e) => e.event_type === 'store_persistence_warning')).toMatchObject({
        aof_enabled: true,
        appendfsync: 'always',
        maxmemory_policy: 'volatile-lru',
        detail: 'eviction',
      });
      warn.close();
      const strict = new RedisStoreState({ client, persistence: 'require', checkIntervalMs: 0 });
      await expect(strict.start()).rejects.toThrow(/maxmemory-policy/);
      strict.close();
      await client.close();
    } finally {
      await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('after SIGKILL and restart the marker, replay records and revocations are back: no refusal', async () => {
    const d = await deploy(server);
    expect(d.state.persistence).toEqual({
      aofEnabled: true,
      appendfsync: 'always',
      maxmemoryPolicy: 'noeviction',
    });
    expect(d.sink.snapshot().some((e) => e.event_type === 'store_persistence_warning')).toBe(false);
    await d.state.trustStoreState();
    await d.stores.agentRegistry.register(sender.agentId, sender.publicKeyPem);
    const p = packet();
    expect((await d.gate.handle(envelope(p))).decision).toBe('ACCEPT');
    const revoked = packet();
    await d.stores.revocationStore.revoke(revoked.packet_id);

    d.sink.clear();
    await server.kill();
    await server.start();
    await vi.waitFor(async () => {
      expect(d.client.isReady).toBe(true);
      expect(await d.state.check()).toBe('trusted');
    });
    expect((await d.gate.handle(envelope(p))).reason).toBe('Replay detected');
    expect((await d.gate.handle(envelope(revoked))).reason).toBe('capability_revoked');
    expect((await d.gate.handle(envelope(packet()))).decision).toBe('ACCEPT');
    expect(d.sink.snapshot().some((e) => e.event_type === 'store_state_lost')).toBe(false);
    await d.close();
  });
});

describe('RedisStoreState options', () => {
  const client = {
    isReady: false,
    set: () => Promise.resolve('OK'),
    exists: () => Promise.resolve(0),
    hSet: () => Promise.resolve(1),
    hGet: () => Promise.resolve(null),
    hExists: () => Promise.resolve(0),
    eval: () => Promise.resolve(null),
  };

  it('refuses options that cannot make a guard, and a guard of another client', () => {
    for (const bad of [
      { markerKey: '' },
      { commandTimeoutMs: 0 },
      { checkIntervalMs: -1 },
      { persistence: 'maybe' as never },
      { autoTrustAfterMs: 1.5 },
    ]) {
      expect(() => new RedisStoreState({ client, ...bad })).toThrow(/RedisStoreState/);
    }
    const other = new RedisStoreState({ client: { ...client } });
    expect(() => createRedisStores({ client, storeState: other })).toThrow(/same client/);
  });

  it('before its first check the state is unverified and decisions are refused as unavailable', async () => {
    const state = new RedisStoreState({ client, checkIntervalMs: 0 });
    const stores = createRedisStores({ client: { ...client, isReady: true }, breaker: false });
    expect(state.status).toBe('unverified');
    expect(state.refusal()).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(await state.check()).toBe('unverified'); // the client is not ready: nothing learned
    expect(stores.breaker).toBeUndefined();
  });
});
