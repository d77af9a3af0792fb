import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MemoryAgentRegistry,
  MemoryCoordinationLock,
  MemoryOverlapWindow,
  MemoryReplayStore,
  MemoryRevocationStore,
} from '../../src/stores/index.js';
import { ConfigurationError, ReplayStoreFullError } from '../../src/errors.js';
import { runStoreContract, type StoreBackend } from './contract.js';

/** Handles with the same namespace share one in-process store, like verifiers sharing one Redis. */
function memoryBackend(): StoreBackend {
  const replay = new Map<string, MemoryReplayStore>();
  const revocation = new Map<string, MemoryRevocationStore>();
  const agents = new Map<string, MemoryAgentRegistry>();
  const overlap = new Map<string, MemoryOverlapWindow>();
  const locks = new Map<string, MemoryCoordinationLock>();
  const shared = <T>(table: Map<string, T>, namespace: string, create: () => T): T => {
    let value = table.get(namespace);
    if (value === undefined) {
      value = create();
      table.set(namespace, value);
    }
    return value;
  };
  return {
    name: 'memory',
    replayStore: (namespace) => shared(replay, namespace, () => new MemoryReplayStore()),
    revocationStore: (namespace) => shared(revocation, namespace, () => new MemoryRevocationStore()),
    agentRegistry: (namespace) => shared(agents, namespace, () => new MemoryAgentRegistry()),
    overlapWindow: (namespace, windowSeconds) =>
      shared(
        overlap,
        namespace,
        () => new MemoryOverlapWindow(windowSeconds === undefined ? {} : { windowSeconds }),
      ),
    coordinationLock: (namespace) => {
      const first = locks.get(namespace);
      if (first === undefined) {
        const lock = new MemoryCoordinationLock();
        locks.set(namespace, lock);
        return lock;
      }
      return new MemoryCoordinationLock({ sharedWith: first });
    },
  };
}

runStoreContract(memoryBackend());

function fakeClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('MemoryReplayStore bounds', () => {
  it('nonce flood: when full of live entries it refuses new keys and never evicts a live one', async () => {
    const clock = fakeClock();
    const store = new MemoryReplayStore({ maxEntries: 3, now: clock.now });
    for (const key of ['a', 'b', 'c']) expect(await store.checkAndStore(key, 1000)).toBe(true);
    for (let i = 0; i < 100; i++) {
      await expect(store.checkAndStore(`flood-${i}`, 1000)).rejects.toMatchObject({
        code: 'ERR_REPLAY_STORE_FULL',
        maxEntries: 3,
      });
      expect(store.storeSync(`flood-${i}`, 1000)).toBe('full');
      expect(() => store.checkAndStoreSync(`flood-${i}`, 1000)).toThrow(ReplayStoreFullError);
    }
    // A live key is still a replay, full or not.
    for (const key of ['a', 'b', 'c']) expect(await store.checkAndStore(key, 1000)).toBe(false);
    expect(store.size).toBe(3);
  });

  it('evicts expired entries as they expire, so a full store accepts again', async () => {
    const clock = fakeClock();
    const store = new MemoryReplayStore({ maxEntries: 3, now: clock.now });
    expect(await store.checkAndStore('short', 100)).toBe(true);
    expect(await store.checkAndStore('long-1', 10_000)).toBe(true);
    expect(await store.checkAndStore('long-2', 10_000)).toBe(true);
    expect(store.storeSync('new', 100)).toBe('full');
    clock.advance(100);
    expect(await store.checkAndStore('new', 100)).toBe(true);
    expect(store.size).toBe(3);
    expect(await store.checkAndStore('long-1', 10_000)).toBe(false);
    clock.advance(10_000);
    expect(await store.checkAndStore('x', 1)).toBe(true);
    expect(store.size).toBe(1);
  });

  it('steady churn stays within maxEntries and forgets nothing live (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 12 }),
            fc.integer({ min: 0, max: 300 }),
            fc.integer({ min: 0, max: 120 }),
          ),
          { maxLength: 200 },
        ),
        (maxEntries, operations) => {
          const clock = fakeClock();
          const store = new MemoryReplayStore({ maxEntries, now: clock.now });
          const model = new Map<string, number>();
          for (const [keyIndex, ttl, advance] of operations) {
            clock.advance(advance);
            const now = clock.now();
            for (const [key, expiresAt] of model) if (expiresAt <= now) model.delete(key);
            const key = `k${keyIndex}`;
            const live = model.has(key);
            const outcome = store.storeSync(key, ttl);
            // A live key is always seen: nothing live is ever forgotten.
            if (live) expect(outcome).toBe('seen');
            // A new key is stored exactly when a slot is free, and refused as `full` otherwise.
            else expect(outcome).toBe(model.size < maxEntries ? 'stored' : 'full');
            if (outcome === 'stored') model.set(key, now + Math.max(1, ttl));
            expect(store.size).toBe(model.size);
            expect(store.size).toBeLessThanOrEqual(maxEntries);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('capacityFor states the capacity a sustained accept rate needs', () => {
    // The default store (1,000,000) sustains 1,104 accepts/s at the gate's default 905 s retention.
    expect(MemoryReplayStore.capacityFor(1104)).toBeLessThanOrEqual(1_000_000);
    expect(MemoryReplayStore.capacityFor(1105)).toBeGreaterThan(1_000_000);
    expect(MemoryReplayStore.capacityFor(10_000, 65)).toBe(650_000);
    expect(new MemoryReplayStore().maxEntries).toBe(1_000_000);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => MemoryReplayStore.capacityFor(bad)).toThrow(ConfigurationError);
      expect(() => MemoryReplayStore.capacityFor(1, bad)).toThrow(ConfigurationError);
    }
  });

  it('the heap gives memory back and stays ordered through growth and shrinking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 600 }), (ttls) => {
        const clock = fakeClock();
        const store = new MemoryReplayStore({ maxEntries: 1000, now: clock.now });
        ttls.forEach((ttl, i) => {
          expect(store.storeSync(`k${i}`, ttl)).toBe('stored');
        });
        const sorted = [...ttls].sort((a, b) => a - b);
        // Advancing to each expiry evicts exactly the entries that expired by then.
        for (const ttl of new Set(sorted)) {
          clock.advance(ttl - (clock.now() - 1_700_000_000_000));
          store.storeSync('probe', 1_000_000);
          const live = sorted.filter((t) => t > ttl).length;
          expect(store.size).toBe(live + 1);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses options that cannot make a bounded store', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new MemoryReplayStore({ maxEntries })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    }
    expect(() => new MemoryReplayStore({ now: 5 as unknown as () => number })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('MemoryOverlapWindow bounds', () => {
  it('drops expired registrations and forgets the oldest when full (the forgotten id is refused)', async () => {
    const clock = fakeClock();
    const window = new MemoryOverlapWindow({ windowSeconds: 1, maxEntries: 2, now: clock.now });
    await window.register('a');
    await window.register('b');
    await window.register('c');
    expect(await window.isValid('a')).toBe(false);
    expect(await window.isValid('b')).toBe(true);
    clock.advance(999);
    expect(await window.isValid('c')).toBe(true);
    clock.advance(1);
    expect(await window.isValid('c')).toBe(false);
  });

  it('refuses a bad maxEntries', () => {
    expect(() => new MemoryOverlapWindow({ maxEntries: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
    );
  });
});

describe('MemoryCoordinationLock', () => {
  it('leases follow the injected clock and round up to whole seconds', async () => {
    const clock = fakeClock();
    const a = new MemoryCoordinationLock({ now: clock.now });
    const b = new MemoryCoordinationLock({ sharedWith: a });
    expect(await a.acquire('job', 0.1)).toBe(true);
    clock.advance(999);
    expect(await b.acquire('job')).toBe(false);
    clock.advance(1);
    expect(await b.acquire('job')).toBe(true);
  });

  it('refuses a sharedWith that is not a memory lock', () => {
    expect(
      () => new MemoryCoordinationLock({ sharedWith: Object.create(null) as MemoryCoordinationLock }),
    ).toThrow(expect.objectContaining({ code: 'ERR_CONFIGURATION' }));
  });
});
