/**
 * Cross-agent invalidation on PostgreSQL (issue 12.4 and 12.6): migration 2's triggers log and NOTIFY
 * every revocation; a revocation committed by another process reaches this process's feed and its
 * watchers; a feed whose connection was cut (a TCP proxy) misses the NOTIFY and reads it from the
 * revocation log when it listens again; a rolled-back revocation is never announced.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub, MemoryEventSink, RevalidationWatcher, type Invalidation } from '../support/api.js';
import { createPostgresStores, migrate, PostgresInvalidationFeed } from '../../src/stores/postgres/index.js';
import { POSTGRES_URL, postgresAvailable } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { createTsChildRunner, type TsChildRunner } from '../support/ts-child.js';
import { dropSchemas, makePool, runSchema, viaPort, type TestPool } from './postgres-pools.js';

const available = await postgresAvailable();
const REVOKER = fileURLToPath(new URL('./invalidation/revoker.ts', import.meta.url));
const schema = runSchema();

let pool: TestPool;
let runner: TsChildRunner;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  if (!available) return;
  pool = makePool(POSTGRES_URL);
  await migrate(pool, { schema });
  runner = createTsChildRunner();
});

afterAll(async () => {
  if (!available) return;
  for (const close of closers) await close();
  await dropSchemas(pool, [schema]);
  await pool.end();
  runner.dispose();
});

async function openFeed(
  feedPool: TestPool,
  events?: EventHub,
): Promise<{ feed: PostgresInvalidationFeed; heard: Invalidation[] }> {
  const feed = new PostgresInvalidationFeed({
    pool: feedPool,
    schema,
    reconnectDelayMs: 50,
    ...(events === undefined ? {} : { events }),
  });
  const heard: Invalidation[] = [];
  feed.subscribe((notice) => heard.push(notice));
  await feed.start();
  closers.push(() => feed.close());
  return { feed, heard };
}

function revokeInChild(kind: 'agent' | 'revocation', id: string): Promise<string> {
  return runner.run(REVOKER, ['postgres', POSTGRES_URL, schema, kind, id], '');
}

describe.skipIf(!available)('PostgreSQL invalidation feed', () => {
  it('delivers id and agent revocations committed by another process, each once', async () => {
    const { heard } = await openFeed(pool);
    await revokeInChild('revocation', 'pg-cap-1');
    await revokeInChild('agent', 'agent:pg-1');
    // Revoking again changes nothing and announces nothing.
    await revokeInChild('agent', 'agent:pg-1');
    await revokeInChild('revocation', 'pg-cap-1');
    await revokeInChild('revocation', 'pg-cap-2');
    await expect.poll(() => heard).toHaveLength(3);
    expect(heard).toEqual([
      { kind: 'revocation', id: 'pg-cap-1' },
      { kind: 'agent', id: 'agent:pg-1' },
      { kind: 'revocation', id: 'pg-cap-2' },
    ]);
  });

  it('a watcher in this process goes stale when another process revokes (polling once an hour)', async () => {
    const { feed } = await openFeed(pool);
    const watcher = new RevalidationWatcher({
      capabilityId: 'pg-packet',
      revalidate: () => true,
      intervalSeconds: 3600,
      invalidation: { feed, agents: ['agent:pg-sender'] },
    }).start();
    await expect.poll(() => watcher.state.checks).toBe(1);
    await revokeInChild('agent', 'agent:pg-sender');
    await expect.poll(() => watcher.state.staleReason).toBe('invalidated');
  });

  it('a revocation that rolls back is never announced', async () => {
    const { heard } = await openFeed(pool);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO "${schema}".revocations (id) VALUES ('rolled-back')`);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await createPostgresStores({ pool, schema }).revocationStore.revoke('after-rollback');
    await expect.poll(() => heard).toEqual([{ kind: 'revocation', id: 'after-rollback' }]);
  });

  it('a feed whose connection was cut misses the NOTIFY and gets the revocation from the log', async () => {
    const proxy = await TcpProxy.open({
      targetHost: '127.0.0.1',
      targetPort: Number(new URL(POSTGRES_URL).port),
    });
    const proxied = makePool(viaPort(POSTGRES_URL, proxy.port), { max: 2 });
    const sink = new MemoryEventSink();
    const events = new EventHub({ verifier: { agentId: 'verifier', instanceId: 'pg' }, sinks: [sink] });
    try {
      const { feed, heard } = await openFeed(proxied, events);
      await proxy.stop();
      await expect.poll(() => feed.synced).toBe(false);
      await revokeInChild('revocation', 'pg-missed');
      expect(heard).toEqual([]);
      await proxy.start();
      await expect.poll(() => heard, { timeout: 10_000 }).toEqual([{ kind: 'revocation', id: 'pg-missed' }]);
      await expect.poll(() => feed.synced).toBe(true);
      expect(sink.snapshot().filter((e) => e.event_type === 'invalidation_resync')).toMatchObject([
        { backend: 'postgres', replayed: 1, gap: false },
      ]);
      await revokeInChild('revocation', 'pg-live-again');
      await expect.poll(() => heard).toHaveLength(2);
      await feed.close();
    } finally {
      await proxy.stop();
      await proxied.end();
    }
  });

  it('the revocation log is append-only', async () => {
    await createPostgresStores({ pool, schema }).revocationStore.revoke('kept');
    await expect(pool.query(`DELETE FROM "${schema}".revocation_log`)).rejects.toThrow(/permanent/);
  });

  it('checks its options at construction', () => {
    for (const bad of [null, { pool: null }, { pool, schema: 'Bad-Name' }, { pool, resyncOverlap: -1 }]) {
      expect(() => new PostgresInvalidationFeed(bad as never), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIGURATION' }),
      );
    }
  });
});
