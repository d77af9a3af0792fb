/**
 * Fail closed (SPEC §7.5) on PostgreSQL: when the server is unreachable, goes away, stalls or answers
 * nonsense, every store call rejects with ERR_STORE_UNAVAILABLE within a bounded time — never "not
 * revoked", never "not registered", never a hang — and the stores work again once it is back.
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentIdentity } from '../../src/identity/agent-identity.js';
import {
  createPostgresStores,
  migrate,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresStores,
} from '../../src/stores/postgres/index.js';
import { POSTGRES_URL, postgresAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { dropSchemas, makePool, runSchema, viaPort, type TestPool } from './postgres-pools.js';

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
function everyCall(stores: PostgresStores, id: string): Promise<unknown>[] {
  const agent = AgentIdentity.generate();
  return [
    stores.revocationStore.revoke(`${id}:cap`),
    stores.revocationStore.isRevoked(`${id}:cap`),
    stores.agentRegistry.register(agent.agentId, agent.publicKeyPem),
    stores.agentRegistry.resolve(agent.agentId),
    stores.agentRegistry.isRegistered(agent.agentId),
    stores.agentRegistry.revoke(agent.agentId),
    stores.agentRegistry.isRevoked(agent.agentId),
  ];
}

async function expectAllUnavailable(stores: PostgresStores, id: string): Promise<void> {
  const outcomes = await Promise.all(everyCall(stores, id).map(outcome));
  expect(outcomes).toEqual(outcomes.map(() => UNAVAILABLE));
}

/** A structural client whose statements behave as `query` says; records how it was released. */
function stubClient(query: () => Promise<{ rows: unknown[] }>): PostgresPoolClient & { released: unknown[] } {
  const released: unknown[] = [];
  return {
    released,
    query,
    release: (destroy) => {
      released.push(destroy);
    },
    on: () => undefined,
    removeListener: () => undefined,
  };
}

function stubPool(connect: () => Promise<PostgresPoolClient>): PostgresPool {
  return { connect };
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const stores = (pool: PostgresPool, maxInFlight?: number): PostgresStores =>
  createPostgresStores({
    pool,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
  });

describe('fail closed without a PostgreSQL server (stub pools)', () => {
  it('a pool that never hands out a connection: every call rejects after the deadline', async () => {
    await expectAllUnavailable(stores(stubPool(never)), 'no-connection');
  });

  it('a pool that rejects or throws synchronously', async () => {
    await expectAllUnavailable(stores(stubPool(() => Promise.reject(new Error('ECONNREFUSED')))), 'rejects');
    const throwing = stubPool(() => {
      throw new TypeError('pool ended');
    });
    await expectAllUnavailable(stores(throwing), 'throws');
  });

  it('a statement that never answers: rejects at the deadline and the connection is closed, not reused', async () => {
    const clients: ReturnType<typeof stubClient>[] = [];
    const pool = stubPool(() => {
      const client = stubClient(never);
      clients.push(client);
      return Promise.resolve(client);
    });
    await expectAllUnavailable(stores(pool), 'stalled');
    expect(clients.length).toBeGreaterThan(0);
    for (const client of clients) {
      expect(client.released).toHaveLength(1);
      expect(client.released[0]).toBeInstanceOf(Error);
    }
  });

  it('a broken connection is closed, one the server answered with an error goes back, one that arrives too late goes straight back', async () => {
    const failing = stubClient(() => Promise.reject(new Error('server closed the connection')));
    await expectAllUnavailable(stores(stubPool(() => Promise.resolve(failing))), 'failing');
    expect(failing.released.every((d) => d instanceof Error)).toBe(true);

    // An error the server reported (here: undefined_table) leaves the connection sound: it goes back.
    const answered = stubClient(() =>
      Promise.reject(
        Object.assign(new Error('relation does not exist'), { severity: 'ERROR', code: '42P01' }),
      ),
    );
    await expectAllUnavailable(stores(stubPool(() => Promise.resolve(answered))), 'server-error');
    expect(answered.released.length).toBeGreaterThan(0);
    expect(answered.released.every((d) => d === undefined)).toBe(true);
    const fatal = stubClient(() =>
      Promise.reject(
        Object.assign(new Error('terminating connection'), { severity: 'FATAL', code: '57P01' }),
      ),
    );
    await expectAllUnavailable(stores(stubPool(() => Promise.resolve(fatal))), 'fatal');
    expect(fatal.released.every((d) => d instanceof Error)).toBe(true);

    const late = stubClient(() => Promise.resolve({ rows: [] }));
    let queried = false;
    late.query = () => {
      queried = true;
      return Promise.resolve({ rows: [] });
    };
    const slowPool = stubPool(() => sleep(COMMAND_TIMEOUT_MS + 100).then(() => late));
    expect(await outcome(stores(slowPool).revocationStore.isRevoked('x'))).toEqual(UNAVAILABLE);
    await sleep(200);
    expect(late.released).toEqual([undefined]);
    expect(queried).toBe(false);
  });

  it('a reply of the wrong shape is never read as "not revoked" or "not registered"', async () => {
    const replies: unknown[] = [
      { rows: [{ revoked: 'no', registered: 'no', public_key_pem: 5, public_key_raw: 'x' }] },
      { rows: [{ revoked: 0, registered: 0 }] },
      { rows: [{}, {}] },
      { rows: [null] },
      { rows: 'nothing' },
      {},
      null,
    ];
    for (const reply of replies) {
      const client = stubClient(() => Promise.resolve(reply as { rows: unknown[] }));
      const s = stores(stubPool(() => Promise.resolve(client)));
      const outcomes = await Promise.all(
        [
          s.revocationStore.isRevoked('c'),
          s.agentRegistry.isRevoked('a'),
          s.agentRegistry.isRegistered('a'),
          s.agentRegistry.resolve('a'),
        ].map(outcome),
      );
      expect(outcomes).toEqual(outcomes.map(() => UNAVAILABLE));
    }
  });

  it('beyond maxInFlight unsettled calls, calls fail at once: waiting work stays bounded', async () => {
    let connects = 0;
    const s = stores(
      stubPool(() => {
        connects++;
        return never();
      }),
      4,
    );
    const stuck = Array.from({ length: 4 }, (_, i) => outcome(s.revocationStore.isRevoked(`stuck-${i}`)));
    // The first four gave up at their deadline but their connections never arrived: still in flight.
    expect(await Promise.all(stuck)).toEqual(stuck.map(() => UNAVAILABLE));
    const started = Date.now();
    const flood = await Promise.all(
      Array.from({ length: 500 }, (_, i) => outcome(s.revocationStore.isRevoked(`flood-${i}`))),
    );
    expect(flood.every((o) => o.settled === 'rejected' && o.code === 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(COMMAND_TIMEOUT_MS);
    expect(connects).toBe(4);
  });
});

const available = await postgresAvailable();

describe.skipIf(!available)('fail closed against a real PostgreSQL behind a proxy', () => {
  const schema = runSchema();
  let direct: TestPool;
  const opened: TestPool[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    direct = makePool(POSTGRES_URL, { max: 2 });
    await migrate(direct, { schema });
  });

  afterAll(async () => {
    await dropSchemas(direct, [schema]);
    await direct.end();
    await Promise.all(proxies.map((proxy) => proxy.stop()));
    await Promise.all(opened.map((pool) => pool.end().catch(() => undefined)));
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

  async function proxied(maxInFlight?: number): Promise<{ proxy: TcpProxy; stores: PostgresStores }> {
    const { hostname, port } = new URL(POSTGRES_URL);
    const proxy = await TcpProxy.open({ targetHost: hostname, targetPort: Number(port || 5432) });
    proxies.push(proxy);
    const pool = makePool(viaPort(POSTGRES_URL, proxy.port), { max: 4 });
    opened.push(pool);
    return {
      proxy,
      stores: createPostgresStores({
        pool,
        schema,
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        ...(maxInFlight === undefined ? {} : { maxInFlight }),
      }),
    };
  }

  async function waitUntilWorks(s: PostgresStores): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await s.revocationStore.isRevoked('probe');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(50);
      }
    }
  }

  it('closed port: every call rejects promptly, again and again', async () => {
    const pool = makePool(viaPort(POSTGRES_URL, await freePort()));
    opened.push(pool);
    const s = createPostgresStores({ pool, schema, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    await expectAllUnavailable(s, 'closed-port');
    await sleep(100);
    await expectAllUnavailable(s, 'closed-port-later');
  });

  it('PostgreSQL goes away mid-run: errors while down, nothing parked, recovery when it is back', async () => {
    const { proxy, stores: s } = await proxied();
    const agent = AgentIdentity.generate();
    await s.revocationStore.revoke('revoked-before-outage');
    await s.agentRegistry.register(agent.agentId, agent.publicKeyPem);
    await s.agentRegistry.revoke(agent.agentId);

    // Connections break while statements are in flight on them (the proxy holds the replies, then
    // resets every connection): a checked-out client's error event must not crash the process.
    proxy.stall();
    const inFlight = Promise.all(everyCall(s, 'in-flight').map(outcome));
    await sleep(50);
    await proxy.stop();
    const inFlightOutcomes = await inFlight;
    expect(inFlightOutcomes).toEqual(inFlightOutcomes.map(() => UNAVAILABLE));
    proxy.unstall();
    await expectAllUnavailable(s, 'outage-1');
    await sleep(300);
    await expectAllUnavailable(s, 'outage-2');
    const lookups = await Promise.all(
      Array.from({ length: 100 }, (_, i) => outcome(s.revocationStore.isRevoked(`during-outage-${i}`))),
    );
    expect(lookups.every((o) => o.settled === 'rejected' && o.code === 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(await outcome(s.revocationStore.revoke('revoked-during-outage'))).toEqual(UNAVAILABLE);

    await proxy.start();
    await waitUntilWorks(s);
    expect(await s.revocationStore.isRevoked('revoked-before-outage')).toBe(true);
    expect(await s.agentRegistry.isRevoked(agent.agentId)).toBe(true);
    expect((await s.agentRegistry.resolve(agent.agentId))?.publicKeyPem).toBe(agent.publicKeyPem);
    // A rejected call was not parked somewhere and run behind the caller's back.
    await sleep(200);
    expect(await s.revocationStore.isRevoked('revoked-during-outage')).toBe(false);
  });

  it('PostgreSQL stalls mid-run: calls time out, work stays bounded, and the pool recovers', async () => {
    const { proxy, stores: s } = await proxied(32);
    await s.revocationStore.revoke('revoked-before-stall');
    expect(await s.revocationStore.isRevoked('revoked-before-stall')).toBe(true);

    proxy.stall();
    await expectAllUnavailable(s, 'stalled');
    const flood = await Promise.all(
      Array.from({ length: 300 }, (_, i) => outcome(s.revocationStore.isRevoked(`stalled-${i}`))),
    );
    expect(flood.every((o) => o.settled === 'rejected' && o.code === 'ERR_STORE_UNAVAILABLE')).toBe(true);

    proxy.unstall();
    await waitUntilWorks(s);
    expect(await s.revocationStore.isRevoked('revoked-before-stall')).toBe(true);
    // Stalled connections were closed, not left holding the pool: many calls in a row still work.
    for (let i = 0; i < 20; i++) expect(await s.revocationStore.isRevoked(`after-${i}`)).toBe(false);
  });
});
