/** Invalidation feeds in one process: memory stores as feeds, the watcher's reactions, the fan-out. */
import { describe, expect, it } from 'vitest';
import {
  MemoryAgentRegistry,
  MemoryRevocationStore,
  RevalidationWatcher,
  combineInvalidationFeeds,
  isInvalidationFeed,
  type Invalidation,
  type InvalidationListener,
} from '../support/api.js';

/** A feed the test drives by hand. */
function manualFeed(): {
  subscribe(l: InvalidationListener): () => void;
  push(n: Invalidation): void;
  size(): number;
} {
  const listeners = new Set<InvalidationListener>();
  return {
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push: (notice) => {
      for (const listener of listeners) listener(notice);
    },
    size: () => listeners.size,
  };
}

describe('memory stores as invalidation feeds', () => {
  it('announce a first revocation once, and a listener that throws does not silence the others', async () => {
    const registry = new MemoryAgentRegistry();
    const revocations = new MemoryRevocationStore();
    const feed = combineInvalidationFeeds(registry, revocations);
    expect(isInvalidationFeed(feed)).toBe(true);
    const heard: Invalidation[] = [];
    feed.subscribe(() => {
      throw new Error('a broken listener');
    });
    const stop = feed.subscribe((notice) => heard.push(notice));
    await revocations.revoke('cap-1');
    await revocations.revoke('cap-1');
    await registry.revoke('agent:a');
    expect(heard).toEqual([
      { kind: 'revocation', id: 'cap-1' },
      { kind: 'agent', id: 'agent:a' },
    ]);
    stop();
    await revocations.revoke('cap-2');
    expect(heard).toHaveLength(2);
  });

  it('combineInvalidationFeeds refuses what is not a feed', () => {
    expect(() => combineInvalidationFeeds({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('revalidation watcher with an invalidation feed', () => {
  it('ignores notices about other agents and ids, and goes stale on its own', () => {
    const feed = manualFeed();
    const watcher = new RevalidationWatcher({
      capabilityId: 'p-1',
      revalidate: () => true,
      intervalSeconds: 3600,
      invalidation: { feed, ids: ['p-1'], agents: ['agent:s'] },
    }).start();
    feed.push({ kind: 'revocation', id: 'agent:s' });
    feed.push({ kind: 'agent', id: 'p-1' });
    feed.push({ kind: 'revocation', id: 'p-2' });
    expect(watcher.isStale).toBe(false);
    feed.push({ kind: 'agent', id: 'agent:s' });
    expect(watcher.state).toMatchObject({
      staleDetected: true,
      staleReason: 'invalidated',
      lastError: 'agent_revoked',
    });
    // Stale: it stops listening.
    expect(feed.size()).toBe(0);
  });

  it('a resync notice runs a check at once (and again when one was running)', async () => {
    const feed = manualFeed();
    let good = true;
    let checks = 0;
    const watcher = new RevalidationWatcher({
      capabilityId: 'p-2',
      revalidate: () => {
        checks++;
        return good;
      },
      intervalSeconds: 3600,
      invalidation: { feed, ids: ['p-2'] },
    }).start();
    await expect.poll(() => checks).toBe(1);
    good = false;
    feed.push({ kind: 'resync' });
    await expect.poll(() => watcher.state.staleReason).toBe('revalidation_failed');
  });

  it('stop() unsubscribes', async () => {
    const feed = manualFeed();
    const watcher = new RevalidationWatcher({
      capabilityId: 'p-3',
      revalidate: () => true,
      intervalSeconds: 3600,
      invalidation: { feed, ids: ['p-3'] },
    }).start();
    expect(feed.size()).toBe(1);
    await watcher.stop();
    expect(feed.size()).toBe(0);
  });

  it('checks the invalidation option at construction', () => {
    for (const invalidation of [{ feed: {} }, { feed: manualFeed(), ids: [1] }, null]) {
      expect(
        () =>
          new RevalidationWatcher({
            capabilityId: 'x',
            revalidate: () => true,
            invalidation: invalidation as never,
          }),
      ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
    }
  });
});
