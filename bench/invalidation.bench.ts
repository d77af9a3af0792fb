/**
 * Issue 12.4 benchmark: invalidation latency across processes. Process A (this one) revokes an id in a
 * shared store; process B (bench/invalidation-child.ts) holds a revalidation watcher on that id that
 * polls only once an hour, so it goes stale by the push alone. Latency = the moment B's watcher went
 * stale − the moment A called `revoke`, both on the machine's monotonic clock. Target: p99 < 50 ms on
 * loopback.
 *
 * Printed next to what it competes with, from the same run: the raw round trip of the transport
 * itself (A `PUBLISH`es / `NOTIFY`s a message, B's plain subscriber / listener receives it: the floor
 * under any push) and the polling it replaces (a watcher checks every interval, at least 0.5 s, so a
 * revocation waits on average half an interval for the next check: 250 ms at the shortest interval,
 * up to 500 ms).
 * The invalidation path costs more than the raw round trip by design: the revocation store first writes
 * the durable mark (SET), then one script appends to the log and publishes; PostgreSQL NOTIFYs at
 * commit of the revoking transaction.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from '@redis/client';
import pg from 'pg';
import { createRedisStores } from '../src/stores/redis/index.js';
import { createPostgresStores, migrate } from '../src/stores/postgres/index.js';
import type { RevocationStore } from '../src/stores/types.js';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const POSTGRES_URL = process.env['POSTGRES_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const SAMPLES = 300;
const WARMUP = 20;
const MIN_POLL_INTERVAL_MS = 500;

interface Reply {
  readonly type: string;
  readonly id?: string;
  readonly at?: string;
}

class VerifierProcess {
  readonly #child: ChildProcess;
  readonly #waiting: ((reply: Reply) => void)[] = [];

  constructor() {
    this.#child = fork(fileURLToPath(new URL('./invalidation-child.js', import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (reply: Reply) => {
      this.#waiting.shift()?.(reply);
    });
  }

  /** Send `message` and resolve with the next reply. */
  ask(message: unknown): Promise<Reply> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#child.send(message as never);
    });
  }

  /** The next reply (sent by the child on its own). */
  next(): Promise<Reply> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  stop(): void {
    if (this.#child.connected) this.#child.send({ type: 'exit' });
    setTimeout(() => this.#child.kill(), 2000).unref();
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1)! };
}

const ms = (n: number): string => `${n.toFixed(2)} ms`.padStart(10);

async function measure(
  verifier: VerifierProcess,
  revocations: RevocationStore,
  rawSend: (i: number) => Promise<unknown>,
): Promise<{ push: number[]; raw: number[] }> {
  const push: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < WARMUP + SAMPLES; i++) {
    // Alternate the two so that both see the same machine load.
    const id = `bench-${randomUUID()}`;
    await verifier.ask({ type: 'watch', id });
    const stale = verifier.next();
    const t0 = process.hrtime.bigint();
    await revocations.revoke(id);
    const reply = await stale;
    const t1 = process.hrtime.bigint();
    const rawReply = verifier.next();
    await rawSend(i);
    const rawAt = await rawReply;
    if (i < WARMUP) continue;
    push.push(Number(BigInt(reply.at!) - t0) / 1e6);
    raw.push(Number(BigInt(rawAt.at!) - t1) / 1e6);
  }
  return { push, raw };
}

function print(backend: string, rawName: string, result: { push: number[]; raw: number[] }): void {
  const push = summary(result.push);
  const raw = summary(result.raw);
  console.log(
    `${`${backend}: revoke → watcher stale in another process`.padEnd(58)} p50 ${ms(push.p50)}  p99 ${ms(push.p99)}  max ${ms(push.max)}  ${push.p99 < 50 ? 'PASS' : 'MISS'} (target p99 < 50 ms)`,
  );
  console.log(
    `${`${backend}: raw ${rawName} round trip (baseline)`.padEnd(58)} p50 ${ms(raw.p50)}  p99 ${ms(raw.p99)}  max ${ms(raw.max)}`,
  );
}

export async function run(): Promise<void> {
  console.log(`\n## Invalidation latency across processes (${SAMPLES} revocations per backend, loopback)`);
  console.log(
    `${'polling watcher (what push replaces), interval 0.5 s'.padEnd(58)} mean ${ms(MIN_POLL_INTERVAL_MS / 2)}  worst ${ms(MIN_POLL_INTERVAL_MS)} (+ jitter)`,
  );

  const namespace = `th-bench-inv:${randomUUID()}:`;
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const redisVerifier = new VerifierProcess();
  try {
    const rawChannel = `${namespace}raw`;
    await redisVerifier.ask({ type: 'init', backend: 'redis', url: REDIS_URL, namespace, rawChannel });
    const stores = createRedisStores({ client, keyPrefix: namespace });
    print(
      'redis',
      'PUBLISH',
      await measure(redisVerifier, stores.revocationStore, (i) => client.publish(rawChannel, String(i))),
    );
  } finally {
    redisVerifier.stop();
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${namespace}*`, COUNT: 1000 }))
      keys.push(...batch);
    for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
    client.destroy();
  }

  const schema = `th_bench_inv_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const pgVerifier = new VerifierProcess();
  try {
    await migrate(pool, { schema });
    const rawChannel = `${schema}_raw`;
    await pgVerifier.ask({
      type: 'init',
      backend: 'postgres',
      url: POSTGRES_URL,
      namespace: schema,
      rawChannel,
    });
    const stores = createPostgresStores({ pool, schema });
    print(
      'postgres',
      'NOTIFY',
      await measure(pgVerifier, stores.revocationStore, (i) => pool.query(`NOTIFY ${rawChannel}, '${i}'`)),
    );
  } finally {
    pgVerifier.stop();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}
