/**
 * The one contract every store implementation passes (SPEC §5). A backend test file builds a
 * {@link StoreBackend} and calls {@link runStoreContract}; the assertions are the same for all.
 *
 * A backend hands out handles onto named state: two handles with the same namespace share state (two
 * verifier processes on one Redis), different namespaces are isolated (two key prefixes). A backend
 * that offers only some stores (PostgreSQL: registry and revocations) runs those contracts, which
 * take only the stores they test. Timing uses
 * the real clock with short lifetimes so that the same test runs against a server-side expiry.
 */
import { randomUUID, generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import { parsePublicKeyPem } from '../../src/identity/keys.js';
import type {
  AgentRegistry,
  CoordinationLock,
  OverlapWindow,
  ReplayStore,
  RevocationStore,
} from '../../src/stores/types.js';
import { isBulkRegistration } from '../../src/stores/types.js';

export interface StoreBackend {
  readonly name: string;
  replayStore(namespace: string): ReplayStore;
  revocationStore(namespace: string): RevocationStore;
  agentRegistry(namespace: string): AgentRegistry;
  overlapWindow(namespace: string, windowSeconds?: number): OverlapWindow;
  /** Every call is a new lock owner over the namespace's locks. */
  coordinationLock(namespace: string): CoordinationLock;
}

function ns(): string {
  return randomUUID();
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

export function replayStoreContract(backend: StoreBackend): void {
  describe(`${backend.name} ReplayStore contract`, () => {
    it('stores a new key once and reports it as seen afterwards', async () => {
      const store = backend.replayStore(ns());
      expect(await store.checkAndStore('agent:a:nonce-1', 10_000)).toBe(true);
      expect(await store.checkAndStore('agent:a:nonce-1', 10_000)).toBe(false);
      expect(await store.checkAndStore('agent:a:nonce-2', 10_000)).toBe(true);
    });

    it('replay race: of 64 concurrent checks of one key across verifiers, exactly one is new', async () => {
      const namespace = ns();
      const handles = Array.from({ length: 8 }, () => backend.replayStore(namespace));
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          handles[i % handles.length]!.checkAndStore('raced-nonce', 10_000),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('concurrent distinct keys are all new', async () => {
      const store = backend.replayStore(ns());
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.checkAndStore(`k${i}`, 10_000)),
      );
      expect(results.every(Boolean)).toBe(true);
    });

    it('forgets a key after its TTL, not before', async () => {
      const store = backend.replayStore(ns());
      // Margins are wide on purpose: CI machines are shared and sleeps overrun under load.
      expect(await store.checkAndStore('short', 1000)).toBe(true);
      expect(await store.checkAndStore('long', 60_000)).toBe(true);
      expect(await store.checkAndStore('short', 1000)).toBe(false);
      await sleep(1300);
      expect(await store.checkAndStore('short', 1000)).toBe(true);
      expect(await store.checkAndStore('long', 60_000)).toBe(false);
    });

    it('a seen key does not extend or reset its TTL', async () => {
      const store = backend.replayStore(ns());
      expect(await store.checkAndStore('k', 1000)).toBe(true);
      await sleep(50);
      expect(await store.checkAndStore('k', 60_000)).toBe(false);
      await sleep(1300);
      expect(await store.checkAndStore('k', 1000)).toBe(true);
    });

    it('cross-verifier replay: a key stored through one handle is seen through another', async () => {
      const namespace = ns();
      expect(await backend.replayStore(namespace).checkAndStore('shared', 10_000)).toBe(true);
      expect(await backend.replayStore(namespace).checkAndStore('shared', 10_000)).toBe(false);
    });

    it('namespaces (key prefixes) isolate', async () => {
      const a = backend.replayStore(ns());
      const b = backend.replayStore(ns());
      expect(await a.checkAndStore('same', 10_000)).toBe(true);
      expect(await b.checkAndStore('same', 10_000)).toBe(true);
    });

    it('keys are opaque: separators, unicode and prefix-like keys do not collide', async () => {
      const store = backend.replayStore(ns());
      for (const key of ['a:b', 'a', 'a:', ':a', 'ü🙂', '', 'trusthandoff:replay:x', 'x']) {
        expect(await store.checkAndStore(key, 10_000)).toBe(true);
      }
    });

    it('sub-millisecond and fractional TTLs round up and still store', async () => {
      const store = backend.replayStore(ns());
      expect(await store.checkAndStore('zero', 0)).toBe(true);
      expect(await store.checkAndStore('tiny', 0.5)).toBe(true);
      expect(await store.checkAndStore('frac', 10_000.5)).toBe(true);
      expect(await store.checkAndStore('frac', 10_000.5)).toBe(false);
    });

    it('rejects a non-finite TTL with ERR_PAYLOAD_VALIDATION and stores nothing', async () => {
      const store = backend.replayStore(ns());
      expect(await codeOf(store.checkAndStore('nan', Number.NaN))).toBe('ERR_PAYLOAD_VALIDATION');
      expect(await codeOf(store.checkAndStore('inf', Number.POSITIVE_INFINITY))).toBe(
        'ERR_PAYLOAD_VALIDATION',
      );
      expect(await store.checkAndStore('nan', 10_000)).toBe(true);
    });
  });
}

export function revocationStoreContract(backend: Pick<StoreBackend, 'name' | 'revocationStore'>): void {
  describe(`${backend.name} RevocationStore contract`, () => {
    it('an unknown id is not revoked; a revoked id is, idempotently', async () => {
      const store = backend.revocationStore(ns());
      expect(await store.isRevoked('cap-1')).toBe(false);
      await store.revoke('cap-1');
      await store.revoke('cap-1');
      expect(await store.isRevoked('cap-1')).toBe(true);
      expect(await store.isRevoked('cap-2')).toBe(false);
    });

    it('revocation is durable and shared: still revoked later, through a new handle', async () => {
      const namespace = ns();
      await backend.revocationStore(namespace).revoke('cap-durable');
      await sleep(150);
      expect(await backend.revocationStore(namespace).isRevoked('cap-durable')).toBe(true);
    });

    it('namespaces (key prefixes) isolate', async () => {
      const a = backend.revocationStore(ns());
      const b = backend.revocationStore(ns());
      await a.revoke('cap');
      expect(await b.isRevoked('cap')).toBe(false);
    });
  });
}

export function agentRegistryContract(backend: Pick<StoreBackend, 'name' | 'agentRegistry'>): void {
  describe(`${backend.name} AgentRegistry contract`, () => {
    const alice = AgentIdentity.generate();
    const aliceRotated = AgentIdentity.generate();

    it('resolves a registered key through the shared import cache', async () => {
      const registry = backend.agentRegistry(ns());
      await registry.register(alice.agentId, alice.publicKeyPem);
      const resolved = await registry.resolve(alice.agentId);
      expect(resolved?.agentId).toBe(alice.agentId);
      expect(resolved?.publicKeyPem).toBe(alice.publicKeyPem);
      expect(resolved?.publicKey.raw.equals(alice.publicKeyRaw)).toBe(true);
      expect(resolved?.publicKey).toBe(parsePublicKeyPem(alice.publicKeyPem));
      expect(await registry.isRegistered(alice.agentId)).toBe(true);
      expect(await registry.isRevoked(alice.agentId)).toBe(false);
    });

    it('registerMany (where offered) leaves the registry as single registrations in order do (property)', async () => {
      if (!isBulkRegistration(backend.agentRegistry(ns()))) return;
      const ids = ['agent:bulk-a', 'agent:bulk-b', 'agent:{bulk-c}', 'agent:bulk-d'];
      const keys = [alice.publicKeyPem, aliceRotated.publicKeyPem, alice.publicKeyPem.replace(/\n/g, '\r\n')];
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...keys)), { maxLength: 12 }),
          fc.subarray(ids),
          async (entries, revoked) => {
            const one = backend.agentRegistry(ns());
            const bulk = backend.agentRegistry(ns());
            for (const id of revoked) await Promise.all([one.revoke(id), bulk.revoke(id)]);
            for (const [agentId, publicKeyPem] of entries) await one.register(agentId, publicKeyPem);
            if (!isBulkRegistration(bulk)) return;
            const count = await bulk.registerMany(
              entries.map(([agentId, publicKeyPem]) => ({ agentId, publicKeyPem })),
            );
            expect(count).toBe(entries.length);
            for (const id of ids) {
              const [a, b] = await Promise.all([one.resolve(id), bulk.resolve(id)]);
              expect(b?.publicKeyPem).toBe(a?.publicKeyPem);
              expect(await bulk.isRevoked(id)).toBe(await one.isRevoked(id));
            }
          },
        ),
        { numRuns: 25 },
      );
      const bulk = backend.agentRegistry(ns());
      if (!isBulkRegistration(bulk)) return;
      await expect(
        bulk.registerMany([
          { agentId: 'agent:bulk-a', publicKeyPem: alice.publicKeyPem },
          { agentId: 'agent:bulk-b', publicKeyPem: 'not a key' },
        ]),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_KEY' });
      expect(await bulk.isRegistered('agent:bulk-a')).toBe(false);
    });

    it('an unknown agent resolves to undefined and is neither registered nor revoked', async () => {
      const registry = backend.agentRegistry(ns());
      expect(await registry.resolve('agent:nobody')).toBeUndefined();
      expect(await registry.isRegistered('agent:nobody')).toBe(false);
      expect(await registry.isRevoked('agent:nobody')).toBe(false);
    });

    it('key rotation: registering again replaces the key', async () => {
      const registry = backend.agentRegistry(ns());
      await registry.register(alice.agentId, alice.publicKeyPem);
      await registry.register(alice.agentId, aliceRotated.publicKeyPem);
      const resolved = await registry.resolve(alice.agentId);
      expect(resolved?.publicKeyPem).toBe(aliceRotated.publicKeyPem);
      expect(resolved?.publicKey.raw.equals(aliceRotated.publicKeyRaw)).toBe(true);
    });

    it('revived agent: revocation is sticky across re-registration and shared between verifiers', async () => {
      const namespace = ns();
      const verifierA = backend.agentRegistry(namespace);
      const verifierB = backend.agentRegistry(namespace);
      await verifierA.register(alice.agentId, alice.publicKeyPem);
      await verifierA.revoke(alice.agentId);
      await verifierB.register(alice.agentId, aliceRotated.publicKeyPem);
      expect(await verifierB.isRevoked(alice.agentId)).toBe(true);
      expect(await verifierA.isRevoked(alice.agentId)).toBe(true);
      expect((await verifierA.resolve(alice.agentId))?.publicKeyPem).toBe(aliceRotated.publicKeyPem);
    });

    it('an agent revoked before it ever registered stays revoked', async () => {
      const registry = backend.agentRegistry(ns());
      await registry.revoke('agent:future');
      expect(await registry.isRegistered('agent:future')).toBe(false);
      await registry.register('agent:future', alice.publicKeyPem);
      expect(await registry.isRevoked('agent:future')).toBe(true);
    });

    it('registrations are shared between verifiers and isolated between namespaces', async () => {
      const namespace = ns();
      await backend.agentRegistry(namespace).register(alice.agentId, alice.publicKeyPem);
      expect(await backend.agentRegistry(namespace).isRegistered(alice.agentId)).toBe(true);
      expect(await backend.agentRegistry(ns()).isRegistered(alice.agentId)).toBe(false);
    });

    it('key substitution by a bad key: rejected with ERR_INVALID_KEY, the registered key stays', async () => {
      const registry = backend.agentRegistry(ns());
      await registry.register(alice.agentId, alice.publicKeyPem);
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        type: 'spki',
        format: 'pem',
      });
      const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' });
      const ed25519Private = generateKeyPairSync('ed25519').privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      });
      const corrupted = alice.publicKeyPem.replace(/[A-Za-z0-9+/]{10}/, 'AAAAAAAAAA!');
      const bad: unknown[] = [
        'not a key',
        '',
        rsa,
        x25519,
        ed25519Private,
        corrupted,
        `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(5000)}\n-----END PUBLIC KEY-----\n`,
        42,
        null,
      ];
      for (const pem of bad) {
        expect(await codeOf(registry.register(alice.agentId, pem as string))).toBe('ERR_INVALID_KEY');
        expect(await codeOf(registry.register('agent:new', pem as string))).toBe('ERR_INVALID_KEY');
      }
      expect((await registry.resolve(alice.agentId))?.publicKeyPem).toBe(alice.publicKeyPem);
      expect(await registry.isRegistered('agent:new')).toBe(false);
    });
  });
}

export function overlapWindowContract(backend: StoreBackend): void {
  describe(`${backend.name} OverlapWindow contract`, () => {
    it('the default window (30 s) keeps a registered id valid; unknown ids are not', async () => {
      const window = backend.overlapWindow(ns());
      expect(await window.isValid('tok')).toBe(false);
      await window.register('tok');
      await sleep(100);
      expect(await window.isValid('tok')).toBe(true);
      expect(await window.isValid('other')).toBe(false);
    });

    it('an id is valid for the window after registering, then not', async () => {
      const window = backend.overlapWindow(ns(), 1);
      await window.register('tok');
      expect(await window.isValid('tok')).toBe(true);
      await sleep(1300);
      expect(await window.isValid('tok')).toBe(false);
    });

    it('registering again restarts the window', async () => {
      const window = backend.overlapWindow(ns(), 2);
      await window.register('tok');
      await sleep(1200);
      await window.register('tok');
      await sleep(1200);
      expect(await window.isValid('tok')).toBe(true);
      await sleep(1300);
      expect(await window.isValid('tok')).toBe(false);
    });

    it('is shared between verifiers and isolated between namespaces', async () => {
      const namespace = ns();
      await backend.overlapWindow(namespace).register('tok');
      expect(await backend.overlapWindow(namespace).isValid('tok')).toBe(true);
      expect(await backend.overlapWindow(ns()).isValid('tok')).toBe(false);
    });

    it('refuses a window that is not a positive finite number of seconds', () => {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e9]) {
        expect(() => backend.overlapWindow(ns(), bad)).toThrow(
          expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
        );
      }
    });
  });
}

export function coordinationLockContract(backend: StoreBackend): void {
  describe(`${backend.name} CoordinationLock contract`, () => {
    it('is exclusive and not reentrant', async () => {
      const namespace = ns();
      const a = backend.coordinationLock(namespace);
      const b = backend.coordinationLock(namespace);
      expect(await a.acquire('job')).toBe(true);
      expect(await b.acquire('job')).toBe(false);
      expect(await a.acquire('job')).toBe(false);
      expect(await b.acquire('other-job')).toBe(true);
    });

    it('of 20 owners racing for one lock, exactly one wins', async () => {
      const namespace = ns();
      const owners = Array.from({ length: 20 }, () => backend.coordinationLock(namespace));
      const results = await Promise.all(owners.map((owner) => owner.acquire('race', 5)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('lock theft: only the holder can release it', async () => {
      const namespace = ns();
      const holder = backend.coordinationLock(namespace);
      const thief = backend.coordinationLock(namespace);
      expect(await holder.acquire('job')).toBe(true);
      await thief.release('job');
      expect(await thief.acquire('job')).toBe(false);
      await holder.release('job');
      expect(await thief.acquire('job')).toBe(true);
    });

    it('a lease expires; the former holder then cannot release the new holder’s lock', async () => {
      const namespace = ns();
      const first = backend.coordinationLock(namespace);
      const second = backend.coordinationLock(namespace);
      const third = backend.coordinationLock(namespace);
      expect(await first.acquire('job', 1)).toBe(true);
      await sleep(300);
      expect(await second.acquire('job', 1)).toBe(false);
      await sleep(900);
      expect(await second.acquire('job', 10)).toBe(true);
      await first.release('job');
      expect(await third.acquire('job')).toBe(false);
    });

    it('the default lease outlives a short wait; releasing a free lock is a no-op', async () => {
      const namespace = ns();
      const a = backend.coordinationLock(namespace);
      await a.release('free');
      expect(await a.acquire('job')).toBe(true);
      await sleep(100);
      expect(await backend.coordinationLock(namespace).acquire('job')).toBe(false);
    });

    it('namespaces isolate', async () => {
      expect(await backend.coordinationLock(ns()).acquire('job')).toBe(true);
      expect(await backend.coordinationLock(ns()).acquire('job')).toBe(true);
    });

    it('rejects a lease that is not a positive finite number with ERR_PAYLOAD_VALIDATION', async () => {
      const lock = backend.coordinationLock(ns());
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await codeOf(lock.acquire('job', bad))).toBe('ERR_PAYLOAD_VALIDATION');
      }
      expect(await lock.acquire('job', 0.2)).toBe(true);
    });
  });
}

/** Every contract of SPEC §5 against one backend. */
export function runStoreContract(backend: StoreBackend): void {
  replayStoreContract(backend);
  revocationStoreContract(backend);
  agentRegistryContract(backend);
  overlapWindowContract(backend);
  coordinationLockContract(backend);
}
