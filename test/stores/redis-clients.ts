/**
 * Redis connections for the store tests: a unique key namespace per run (other suites share the
 * server), clients configured the way the README, "Stores" recommends, and cleanup scoped to our keys.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type RedisClientType } from '@redis/client';

export type TestRedisClient = RedisClientType;

/**
 * A client as recommended for the stores: no offline queue, quick connect timeout, fast reconnect.
 * `offlineQueue: true` keeps the client library's default (queue while reconnecting) instead.
 */
export function makeClient(
  url: string,
  options: { offlineQueue?: boolean; pingInterval?: number } = {},
): TestRedisClient {
  const client = createClient({
    url,
    disableOfflineQueue: options.offlineQueue !== true,
    socket: { connectTimeout: 1000, reconnectStrategy: () => 50 },
    ...(options.pingInterval === undefined ? {} : { pingInterval: options.pingInterval }),
  }) as TestRedisClient;
  // Connection errors surface through the stores; the listener keeps them from crashing the process.
  client.on('error', () => undefined);
  return client;
}

export function runPrefix(): string {
  return `th-test:${randomUUID()}:`;
}

/** Delete every key under `prefix` (SCAN, never FLUSHDB: the server is shared). */
export async function deleteKeys(client: TestRedisClient, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
  for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
}
