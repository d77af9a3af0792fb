/**
 * Process B of the invalidation benchmark (bench/invalidation.bench.ts): a verifier with an
 * invalidation feed (Redis or PostgreSQL) and a raw subscriber on the same server. For each id the
 * parent names it starts a revalidation watcher (polling once an hour, so only the push can make it
 * stale) and reports, over IPC, the monotonic time (`process.hrtime.bigint()`, one clock for every
 * process of the machine) at which the watcher went stale, or at which a raw message arrived.
 */
import { createClient } from '@redis/client';
import pg from 'pg';
import { RevalidationWatcher } from '../src/gate/revalidation.js';
import type { InvalidationFeed } from '../src/stores/types.js';
import { RedisInvalidationFeed } from '../src/stores/redis/index.js';
import { PostgresInvalidationFeed } from '../src/stores/postgres/index.js';

interface Init {
  readonly type: 'init';
  readonly backend: 'redis' | 'postgres';
  readonly url: string;
  readonly namespace: string;
  readonly rawChannel: string;
}
type Message = Init | { readonly type: 'watch'; readonly id: string } | { readonly type: 'exit' };

const send = (message: unknown): void => {
  process.send?.(message);
};
let feed: InvalidationFeed | undefined;
const closers: (() => Promise<unknown>)[] = [];

async function init(message: Init): Promise<void> {
  const raw = (): void => {
    send({ type: 'raw', at: process.hrtime.bigint().toString() });
  };
  if (message.backend === 'redis') {
    const client = createClient({ url: message.url });
    const subscriber = client.duplicate();
    const rawSubscriber = client.duplicate();
    await Promise.all([client.connect(), subscriber.connect(), rawSubscriber.connect()]);
    const redisFeed = new RedisInvalidationFeed({
      client,
      subscriber,
      keyPrefix: `${message.namespace}invalidation:`,
      resyncIntervalMs: 0,
    });
    await redisFeed.start();
    await rawSubscriber.subscribe(message.rawChannel, raw);
    feed = redisFeed;
    closers.push(
      () => redisFeed.close(),
      () => client.close(),
      () => subscriber.close(),
      () => rawSubscriber.close(),
    );
  } else {
    const pool = new pg.Pool({ connectionString: message.url, max: 2 });
    const pgFeed = new PostgresInvalidationFeed({ pool, schema: message.namespace });
    await pgFeed.start();
    const listener = await pool.connect();
    listener.on('notification', raw);
    await listener.query(`LISTEN ${message.rawChannel}`);
    feed = pgFeed;
    closers.push(
      () => pgFeed.close(),
      async () => {
        listener.release();
        await pool.end();
      },
    );
  }
  send({ type: 'ready' });
}

function watch(id: string): void {
  if (feed === undefined) throw new Error('watch before init');
  const watcher = new RevalidationWatcher({
    capabilityId: id,
    revalidate: () => true,
    intervalSeconds: 3600,
    invalidation: { feed, ids: [id] },
  });
  watcher.staleSignal.addEventListener('abort', () => {
    send({ type: 'stale', id, at: process.hrtime.bigint().toString() });
  });
  watcher.start();
  send({ type: 'watching', id });
}

process.on('message', (message: Message) => {
  void (async () => {
    if (message.type === 'init') await init(message);
    else if (message.type === 'watch') watch(message.id);
    else {
      for (const close of closers) await close();
      process.exit(0);
    }
  })();
});
