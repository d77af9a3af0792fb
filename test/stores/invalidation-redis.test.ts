/**
 * Cross-agent invalidation on Redis (issue 12.4): a revocation made in another process reaches this
 * process's feed, its watchers and its executors without waiting for a poll; a subscriber that was cut
 * off misses the live notice and gets it from the revocation log when it reconnects; a log trimmed
 * past its position is a `resync` notice. Real Redis; a TCP proxy cuts the subscriber's connection.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CapabilityExecutor,
  EventHub,
  MemoryEventSink,
  RevalidationWatcher,
  type Invalidation,
} from '../support/api.js';
import {
  createRedisStores,
  invalidationKey,
  RedisInvalidationFeed,
  RedisRevocationStore,
} from '../../src/stores/redis/index.js';
import { REDIS_URL, redisAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTsChildRunner, type TsChildRunner } from '../support/ts-child.js';
import { deleteKeys, makeClient, runPrefix, type TestRedisClient } from './redis-clients.js';
import { clock, planner, threeLinkChain } from '../capability/fixture.js';

const available = await redisAvailable();
const prefix = runPrefix();
const REVOKER = fileURLToPath(new URL('./invalidation/revoker.ts', import.meta.url));

let client: TestRedisClient;
let runner: TsChildRunner;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  if (!available) return;
  client = makeClient(REDIS_URL);
  await client.connect();
  runner = createTsChildRunner();
});

afterAll(async () => {
  if (!available) return;
  for (const feed of opened) await feed.close();
  await deleteKeys(client, prefix);
  client.destroy();
  runner.dispose();
});

/** A feed on its own subscriber connection (optionally through `url`, e.g. a proxy). */
async function openFeed(
  namespace: string,
  options: { url?: string; events?: EventHub } = {},
): Promise<{ feed: RedisInvalidationFeed; heard: Invalidation[]; subscriber: TestRedisClient }> {
  const subscriber = makeClient(options.url ?? REDIS_URL);
  await subscriber.connect();
  const feed = new RedisInvalidationFeed({
    client,
    subscriber,
    keyPrefix: `${namespace}invalidation:`,
    resyncIntervalMs: 0,
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  const heard: Invalidation[] = [];
  feed.subscribe((notice) => heard.push(notice));
  await feed.start();
  opened.push({
    close: async () => {
      await feed.close();
      subscriber.destroy();
    },
  });
  return { feed, heard, subscriber };
}

function revokeInChild(namespace: string, kind: 'agent' | 'revocation', id: string): Promise<string> {
  return runner.run(REVOKER, ['redis', REDIS_URL, namespace, kind, id], '');
}

describe.skipIf(!available)('Redis invalidation feed', () => {
  it('delivers agent and id revocations made by another process', async () => {
    const namespace = `${prefix}a:`;
    const { heard } = await openFeed(namespace);
    await revokeInChild(namespace, 'revocation', 'cap-7');
    await revokeInChild(namespace, 'agent', 'agent:planner');
    await expect
      .poll(() => heard)
      .toEqual([
        { kind: 'revocation', id: 'cap-7' },
        { kind: 'agent', id: 'agent:planner' },
      ]);
  });

  it('ids with spaces, braces and non-ASCII travel intact', async () => {
    const namespace = `${prefix}b:`;
    const { heard } = await openFeed(namespace);
    const stores = createRedisStores({ client, keyPrefix: namespace });
    const odd = 'cap {x} with spaces é 🎉';
    await stores.revocationStore.revoke(odd);
    await expect.poll(() => heard).toEqual([{ kind: 'revocation', id: odd }]);
  });

  it('a watcher in this process goes stale when another process revokes (polling once an hour)', async () => {
    const namespace = `${prefix}c:`;
    const { feed } = await openFeed(namespace);
    const watcher = new RevalidationWatcher({
      capabilityId: 'packet-1',
      revalidate: () => true,
      intervalSeconds: 3600,
      invalidation: { feed, ids: ['packet-1', 'task-1'], agents: ['agent:sender'] },
    }).start();
    await expect.poll(() => watcher.state.checks).toBe(1);
    await revokeInChild(namespace, 'revocation', 'task-1');
    await expect.poll(() => watcher.state.staleReason).toBe('invalidated');
    expect(watcher.staleSignal.aborted).toBe(true);
  });

  it('cascade: an executor running under a grandchild capability aborts when another process revokes the root', async () => {
    const namespace = `${prefix}d:`;
    const { feed } = await openFeed(namespace);
    const executor = new CapabilityExecutor({
      trustedRoots: [planner],
      now: clock,
      env: {},
      invalidation: feed,
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const verdict = executor.execute(threeLinkChain(), 'read', ({ signal }) => {
      started();
      return new Promise<string>((resolve) => {
        signal.addEventListener('abort', () => {
          resolve('late');
        });
      });
    });
    await running;
    await revokeInChild(namespace, 'revocation', 'cap-root');
    expect(await verdict).toMatchObject({
      ok: false,
      reason: 'revoked_during_execution',
      details: { detail: 'revocation_revoked' },
    });
  });

  it('a subscriber cut off misses the live notice and gets it from the log when it reconnects', async () => {
    const namespace = `${prefix}e:`;
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    const sink = new MemoryEventSink();
    const events = new EventHub({ verifier: { agentId: 'verifier', instanceId: 'b' }, sinks: [sink] });
    try {
      const { feed, heard } = await openFeed(namespace, { url: proxy.url, events });
      await proxy.stop();
      await expect.poll(() => feed.synced).toBe(false);
      await revokeInChild(namespace, 'revocation', 'missed-while-away');
      expect(heard).toEqual([]);
      await proxy.start();
      await expect
        .poll(() => heard, { timeout: 10_000 })
        .toEqual([{ kind: 'revocation', id: 'missed-while-away' }]);
      await expect.poll(() => feed.synced).toBe(true);
      expect(sink.snapshot().filter((e) => e.event_type === 'invalidation_resync')).toMatchObject([
        { backend: 'redis', replayed: 1, gap: false },
      ]);
      // Live again: the next revocation arrives by pub/sub, once.
      await revokeInChild(namespace, 'agent', 'agent:later');
      await expect.poll(() => heard).toHaveLength(2);
      expect(heard[1]).toEqual({ kind: 'agent', id: 'agent:later' });
    } finally {
      await proxy.stop();
    }
  });

  it('a log trimmed past the position of a cut-off subscriber is a resync notice (listeners check everything)', async () => {
    const namespace = `${prefix}f:`;
    const proxy = await TcpProxy.forUrl(REDIS_URL);
    try {
      const { heard } = await openFeed(namespace, { url: proxy.url });
      await proxy.stop();
      const store = new RedisRevocationStore({
        client,
        keyPrefix: `${namespace}revocation:`,
        invalidation: { keyPrefix: `${namespace}invalidation:`, maxLength: 1 },
      });
      // MAXLEN ~ trims whole stream nodes (100 entries each by default): write well past one node.
      for (let i = 0; i < 250; i++) await store.revoke(`trimmed-${i}`);
      await proxy.start();
      await expect.poll(() => heard.some((n) => n.kind === 'resync'), { timeout: 10_000 }).toBe(true);
      const ids = heard.flatMap((n) => (n.kind === 'revocation' ? [n.id] : []));
      expect(ids).toContain('trimmed-249');
      expect(ids).not.toContain('trimmed-0');
    } finally {
      await proxy.stop();
    }
  });

  it('a notice is published only after the mark is durable, and names its log entry', async () => {
    const namespace = `${prefix}g:`;
    const seen: string[] = [];
    const raw = makeClient(REDIS_URL);
    await raw.connect();
    await raw.subscribe(invalidationKey(`${namespace}invalidation:`), (message) => {
      seen.push(message);
    });
    const stores = createRedisStores({ client, keyPrefix: namespace });
    await stores.revocationStore.revoke('durable-1');
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toMatch(/^\d+-\d+ revocation durable-1$/);
    expect(await stores.revocationStore.isRevoked('durable-1')).toBe(true);
    const entries = await client.xRange(invalidationKey(`${namespace}invalidation:`), '-', '+');
    expect((entries ?? []).map((e) => e.id)).toEqual([seen[0]!.split(' ')[0]]);
    raw.destroy();
  });

  it('invalidation: false writes no log and publishes nothing', async () => {
    const namespace = `${prefix}h:`;
    const stores = createRedisStores({ client, keyPrefix: namespace, invalidation: false });
    await stores.revocationStore.revoke('quiet');
    await stores.agentRegistry.revoke('agent:quiet');
    expect(await client.exists(invalidationKey(`${namespace}invalidation:`))).toBe(0);
  });

  it('checks its options at construction', () => {
    const subscriber = makeClient(REDIS_URL);
    const bad: unknown[] = [
      null,
      { client, subscriber: null },
      { client, subscriber: client },
      { client, subscriber, keyPrefix: 'a{b}' },
      { client, subscriber, resyncIntervalMs: -1 },
      { client, subscriber, sharded: 'yes' },
    ];
    for (const options of bad) {
      expect(() => new RedisInvalidationFeed(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    }
    expect(() => new RedisRevocationStore({ client, invalidation: { maxLength: 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});
